import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BackupStatus } from '@llamenos/protocol';
import type { Migration } from '../db/migrate.js';
import { openPglite } from '../db/pglite.js';
import type { ServerContext } from '../http/context.js';
import { publishHubEvent } from '../realtime/publish.js';
import { getSettings } from '../settings/service.js';
import { writeBackup } from './backup.js';
import type { ProgressStream } from './progress.js';
import { restoreBackup } from './restore.js';
import {
  claimBackupSlot,
  isSlotTaken,
  lastBackupRuns,
  markInterruptedRuns,
  recordBackupFailure,
  recordBackupSuccess,
} from './store.js';

/**
 * Scheduled backups of the embedded database, written by the running server: every
 * `backups.intervalHours` (settings), an encrypted backup (./sealed.ts) in DATA_DIR/backups, each
 * verified by restoring it into a scratch in-memory database and checking the audit chain, the
 * newest `backups.keep` verified ones kept. A failure is recorded, logged and announced to admins
 * (hub event `backup:failed`). With PostgreSQL nothing runs: pg_dump or PITR do this better.
 *
 * Intervals are aligned to 1970 UTC (daily: midnight UTC); the timer looks every 15 minutes and a
 * run claims its interval in the database first, so however many processes look, one writes.
 */
const CHECK_MS = 15 * 60_000;
/** A run still "running" after this long belongs to a process that stopped. */
const STALE_MS = 6 * 3600_000;
const FILE = /^llamenos-\d{8}T\d{6}Z-[0-9a-f]{8}\.sealed$/;

export interface BackupScheduleOptions {
  /** The server's migrations, for the verifying restore. */
  migrations: readonly Migration[];
  /** Where backups go; DATA_DIR/backups by default. */
  dir?: string;
  /** Tests: called with the written file before it is verified (to damage it). */
  afterWrite?: (file: string) => Promise<void>;
}

export type BackupRunOutcome = 'unavailable' | 'disabled' | 'not-due' | 'ok' | 'failed';

const silent: ProgressStream = { isTTY: false, write: () => true };
const slotMs = (hours: number) => hours * 3600_000;
const slotOf = (now: Date, hours: number) => `${hours}h:${Math.floor(now.getTime() / slotMs(hours))}`;
export const backupDirOf = (ctx: ServerContext, options: Pick<BackupScheduleOptions, 'dir'> = {}) =>
  options.dir ?? path.join(ctx.config.DATA_DIR, 'backups');

const fileNameOf = (now: Date, run: string) =>
  `llamenos-${now.toISOString().replace(/[-:]|\.\d{3}/g, '')}-${run.replace(/-/g, '').slice(0, 8)}.sealed`;

/** Verified backups in `dir`, oldest first (the names sort by time). */
async function keptFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => FILE.test(n)).sort();
}

/** Writes, verifies and rotates one backup for run `run`; throws on any failure. */
async function backUp(
  ctx: ServerContext,
  options: BackupScheduleOptions,
  run: string,
  keep: number,
  now: Date,
): Promise<{ fileName: string; bytes: number; auditEntries: number }> {
  const dir = backupDirOf(ctx, options);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const fileName = fileNameOf(now, run);
  const file = path.join(dir, fileName);
  const key = ctx.keys.settingsKey;
  try {
    await writeBackup(ctx.db, file, {
      progress: silent,
      now,
      seal: { key, run },
      // This run's own row says "running"; restored, it would later read as an interrupted run.
      skip: { backup_runs: `status = 'running'` },
    });
    await options.afterWrite?.(file);
    const scratch = await openPglite();
    try {
      const { verdict } = await restoreBackup(scratch, file, {
        migrations: options.migrations,
        key,
        progress: silent,
      });
      if (!verdict.ok)
        throw new Error(
          `the restored copy's audit chain is broken at entry ${verdict.brokenAt}: ${verdict.reason}`,
        );
      const bytes = (await stat(file)).size;
      // Rotation only after this one is verified: a failing schedule never eats the good backups.
      const files = await keptFiles(dir);
      for (const old of files.slice(0, Math.max(0, files.length - keep)))
        await rm(path.join(dir, old), { force: true });
      return { fileName, bytes, auditEntries: verdict.count };
    } finally {
      await scratch.close();
    }
  } catch (error) {
    // An unverified backup is not one: never leave it where it could be mistaken for one.
    await rm(file, { force: true });
    throw error;
  }
}

/** One look at the schedule (what the timer does every 15 minutes); `ctx.now()` is the clock. */
export async function runScheduledBackup(
  ctx: ServerContext,
  options: BackupScheduleOptions,
): Promise<BackupRunOutcome> {
  if (ctx.db.kind !== 'pglite') return 'unavailable';
  const { backups } = (await getSettings(ctx)).settings;
  if (!backups.enabled) return 'disabled';
  const now = ctx.now();
  await markInterruptedRuns(ctx.db, new Date(now.getTime() - STALE_MS), now);
  const run = await claimBackupSlot(ctx.db, slotOf(now, backups.intervalHours), now);
  if (!run) return 'not-due';
  try {
    const result = await backUp(ctx, options, run, backups.keep, now);
    await recordBackupSuccess(ctx.db, run, result, ctx.now());
    ctx.log.info({ file: result.fileName, bytes: result.bytes }, 'scheduled backup written and verified');
    return 'ok';
  } catch (error) {
    const message = ((error as Error).message || String(error)).slice(0, 500);
    await recordBackupFailure(ctx.db, run, message, ctx.now());
    ctx.log.error({ err: error }, 'scheduled backup failed');
    await publishHubEvent(ctx, { type: 'backup:failed', at: ctx.now().toISOString() }).catch((e) =>
      ctx.log.error({ err: e }, 'could not announce the failed backup'),
    );
    return 'failed';
  }
}

/** The timer: a look every `checkMs`; returns the stop function (waits for a run in progress). */
export function startBackupSchedule(
  ctx: ServerContext,
  options: BackupScheduleOptions,
  checkMs = CHECK_MS,
): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = runScheduledBackup(ctx, options)
      .catch((error) => ctx.log.error({ err: error }, 'backup schedule check failed'))
      .finally(() => {
        running = null;
      });
  }, checkMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** What the admin console shows. */
export async function backupStatus(
  ctx: ServerContext,
  options: Pick<BackupScheduleOptions, 'dir'> = {},
): Promise<BackupStatus> {
  const { backups } = (await getSettings(ctx)).settings;
  const available = ctx.db.kind === 'pglite';
  const { ok, failed } = await lastBackupRuns(ctx.db);
  const now = ctx.now();
  let nextDueAt: string | null = null;
  if (available && backups.enabled) {
    const taken = await isSlotTaken(ctx.db, slotOf(now, backups.intervalHours));
    const ms = slotMs(backups.intervalHours);
    nextDueAt = new Date(taken ? (Math.floor(now.getTime() / ms) + 1) * ms : now.getTime()).toISOString();
  }
  return {
    available,
    enabled: backups.enabled,
    intervalHours: backups.intervalHours,
    keep: backups.keep,
    nextDueAt,
    lastSuccess: ok
      ? {
          at: new Date(ok.finished_at).toISOString(),
          file: ok.file_name ?? '',
          bytes: Number(ok.bytes ?? 0),
          auditEntries: ok.audit_entries ?? 0,
        }
      : null,
    lastFailure:
      failed && (!ok || new Date(failed.finished_at) > new Date(ok.finished_at))
        ? { at: new Date(failed.finished_at).toISOString(), error: failed.error ?? '' }
        : null,
    kept: available ? (await keptFiles(backupDirOf(ctx, options))).length : 0,
  };
}
