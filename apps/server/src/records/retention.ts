import type { HotlineSettings } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import { loadSettings } from '../settings/store.js';

const DAY_MS = 24 * 3600 * 1000;
/** Often enough that a note outlives its retention by at most an hour or so. */
export const RETENTION_INTERVAL_MS = 3600 * 1000;

/**
 * Deletes every note created more than `retention.noteDays` days before `now` (0 keeps notes
 * forever): the row, its versions and wraps, and old tombstones too. One audit entry
 * summarises a purge that removed anything; an idle run adds nothing to the chain. Several
 * server processes may run this at once: the delete takes row locks, so a note is counted
 * by exactly one of them.
 */
export async function purgeExpiredNotes(ctx: ServerContext, now: Date): Promise<PurgeResult> {
  const due = await retentionDue(ctx, now, (settings) => settings.retention.noteDays);
  if (!due) return { purged: 0, cutoff: null };
  const { days, cutoff } = due;
  return ctx.db.transaction(async (tx) => {
    // Versions and wraps go with the note (on delete cascade).
    const rows = await tx.query<{ deleted_at: Date | null }>(
      'delete from notes where created_at < $1 returning deleted_at',
      [cutoff],
    );
    if (rows.length) {
      const live = rows.filter((r) => r.deleted_at === null).length;
      await appendAuditInTx(
        tx,
        {
          action: 'records.notes-purged',
          target: 'notes',
          details: {
            reason: 'retention',
            noteDays: days,
            cutoff: cutoff.toISOString(),
            notes: live,
            tombstones: rows.length - live,
          },
        },
        now,
      );
    }
    return { purged: rows.length, cutoff: cutoff.toISOString() };
  });
}

/**
 * Runs `run` now and then every `intervalMs`; returns the function that stops it, which
 * resolves once a run in progress has finished (so the database can be closed after it).
 * A failed run is logged (as `failure`) and retried at the next tick, never thrown into the
 * process; a slow run is not started twice by one process. Shared by the notes and the
 * call-record retention timers.
 */
export function startPeriodicJob(
  ctx: ServerContext,
  run: () => Promise<void>,
  failure: string,
  intervalMs = RETENTION_INTERVAL_MS,
): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = run()
      .catch((error: unknown) => ctx.log.error({ err: error }, failure))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(tick, 0);
  const timer = setInterval(tick, intervalMs);
  first.unref();
  timer.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}

/** The notes purge, now and every `intervalMs` (see startPeriodicJob). */
export const startRetentionTimer = (ctx: ServerContext, intervalMs = RETENTION_INTERVAL_MS) =>
  startPurgeTimer(ctx, 'note', purgeExpiredNotes, intervalMs);

/** What a retention purge removed, and the creation time before which it removed (null: kept forever). */
export interface PurgeResult {
  purged: number;
  cutoff: string | null;
}

/**
 * The retention setting `daysOf` picks (in days) as it stands now, and the instant before which
 * records are due at `now`; null when 0 keeps them forever.
 */
export async function retentionDue(
  ctx: ServerContext,
  now: Date,
  daysOf: (settings: HotlineSettings) => number,
): Promise<{ days: number; cutoff: Date } | null> {
  const { settings } = await loadSettings(ctx.db);
  const days = daysOf(settings);
  return days === 0 ? null : { days, cutoff: new Date(now.getTime() - days * DAY_MS) };
}

/** A retention purge of `kind` records, now and every `intervalMs`, logging what each run removed. */
export function startPurgeTimer(
  ctx: ServerContext,
  kind: string,
  purge: (ctx: ServerContext, now: Date) => Promise<PurgeResult>,
  intervalMs: number,
): () => Promise<void> {
  const run = async () => {
    const r = await purge(ctx, ctx.now());
    if (r.purged) ctx.log.info({ purged: r.purged, cutoff: r.cutoff }, `retention purged ${kind}s`);
  };
  return startPeriodicJob(ctx, run, `${kind} retention purge failed`, intervalMs);
}
