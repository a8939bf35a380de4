import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decryptHubEvent, deriveEventKey, type NostrEvent } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, TEST_PG_URL, type TestHotline, type TestUser } from '../../test/helpers.js';
import { appendAudit } from '../audit/service.js';
import { openPglite } from '../db/pglite.js';
import { ALL_MIGRATIONS } from '../modules.js';
import { currentHubKey } from '../realtime/hub-keys.js';
import { BackupError } from './errors.js';
import { restoreBackup } from './restore.js';
import {
  type BackupScheduleOptions,
  backupStatus,
  runScheduledBackup,
  startBackupSchedule,
} from './schedule.js';

/**
 * Scheduled backups on the embedded database, with the clock in the test's hand: a due backup is
 * written encrypted and verified by a restore, one process per interval writes it, rotation keeps
 * `keep`, and a backup that fails verification is not kept, is recorded and raises the alert.
 */
const DAY = 24 * 3600_000;
const T0 = new Date('2026-03-02T00:05:00Z');
const CANARY = 'Backup canary volunteer';

let h: TestHotline;
let admin: TestUser;
let dir: string;
let options: BackupScheduleOptions;
const published: NostrEvent[] = [];

beforeAll(async () => {
  h = await createTestHotline();
  admin = await h.addUser(['admin']);
  await h.addUser(['volunteer'], CANARY);
  for (let i = 0; i < 5; i++)
    await appendAudit(h.ctx.db, { action: 'user.created', actorPubkey: admin.pubkey, details: { i } }, T0);
  // The alert goes out through the relay; here the relay is a list.
  h.ctx.realtime = {
    relay: null,
    external: null,
    bridge: null,
    publish: async (event) => {
      published.push(event);
    },
    close: async () => {},
  };
  dir = await mkdtemp(path.join(tmpdir(), 'llamenos-backups-'));
  options = { migrations: ALL_MIGRATIONS, dir };
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

const files = async () => (await readdir(dir)).filter((f) => f.endsWith('.sealed')).sort();
const at = (ms: number) => h.setNow(new Date(T0.getTime() + ms));
const patchBackups = async (value: unknown) => {
  const { version } = await (await h.request('GET', '/api/settings', { as: admin })).json();
  return h.request('PATCH', '/api/settings/backups', { as: admin, body: { value, version } });
};

// With PostgreSQL nothing runs (pg_dump/PITR instead); the status says so.
describe.runIf(TEST_PG_URL)('scheduled backups on PostgreSQL', () => {
  it('do not run, and the status says they are unavailable', async () => {
    expect(await runScheduledBackup(h.ctx, options)).toBe('unavailable');
    expect(await files()).toEqual([]);
    expect(await backupStatus(h.ctx, options)).toMatchObject({ available: false, nextDueAt: null, kept: 0 });
  });
});

describe.skipIf(TEST_PG_URL)('scheduled backups', () => {
  it('are on by default: a due backup is written encrypted, verified by a restore, once per interval', async () => {
    at(0);
    const [first, second] = await Promise.all([
      runScheduledBackup(h.ctx, options),
      runScheduledBackup(h.ctx, options),
    ]);
    // Two looks at the same interval (two processes, or two timers): one writes it.
    expect([first, second].sort()).toEqual(['not-due', 'ok']);
    const [name] = await files();
    expect(name).toMatch(/^llamenos-20260302T000500Z-[0-9a-f]{8}\.sealed$/);
    const text = await readFile(path.join(dir, name!), 'utf8');
    expect(text.split('\n')[0]).toContain('"format":"llamenos-backup-sealed"');
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain('user.created');

    const status = await backupStatus(h.ctx, options);
    expect(status).toMatchObject({
      available: true,
      enabled: true,
      intervalHours: 24,
      keep: 7,
      kept: 1,
      lastFailure: null,
      nextDueAt: '2026-03-03T00:00:00.000Z',
    });
    expect(status.lastSuccess).toMatchObject({ file: name, bytes: (await stat(path.join(dir, name!))).size });
    expect(status.lastSuccess!.auditEntries).toBeGreaterThanOrEqual(5);
    at(3600_000);
    expect(await runScheduledBackup(h.ctx, options)).toBe('not-due');
  });

  it('restores (the drill) with the same SERVER_SECRET, and refuses without it or with another', async () => {
    const [name] = await files();
    const file = path.join(dir, name!);
    const target = await openPglite();
    const quiet = { write: () => true };
    try {
      // Refused while reading the header, before the target is touched.
      for (const key of [undefined, new Uint8Array(32).fill(9)])
        await expect(
          restoreBackup(target, file, { migrations: ALL_MIGRATIONS, key, progress: quiet }),
        ).rejects.toThrow(BackupError);
      const restored = await restoreBackup(target, file, {
        migrations: ALL_MIGRATIONS,
        key: h.ctx.keys.settingsKey,
        progress: quiet,
      });
      expect(restored.verdict.ok).toBe(true);
      const [user] = await target.query<{ n: number }>(
        'select count(*)::int as n from users where display_name = $1',
        [CANARY],
      );
      expect(user!.n).toBe(1);
      // The run that wrote it was still "running" then: left out, so the restored hotline
      // never reports it as interrupted.
      expect(await target.query(`select 1 from backup_runs where status = 'running'`)).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it('validates the schedule and keeps the newest `keep` backups', async () => {
    expect((await patchBackups({ enabled: true, intervalHours: 0, keep: 2 })).status).toBe(400);
    expect((await patchBackups({ enabled: true, intervalHours: 24, keep: 2, extra: 1 })).status).toBe(400);
    expect((await patchBackups({ enabled: true, intervalHours: 24, keep: 2 })).status).toBe(200);
    for (const day of [1, 2]) {
      at(day * DAY);
      expect(await runScheduledBackup(h.ctx, options)).toBe('ok');
    }
    expect(await files()).toEqual([
      expect.stringMatching(/^llamenos-20260303T/),
      expect.stringMatching(/^llamenos-20260304T/),
    ]);
    expect((await backupStatus(h.ctx, options)).kept).toBe(2);
  });

  it('a backup that fails verification is not kept, is recorded, and raises the alert', async () => {
    const kept = await files();
    at(3 * DAY);
    const damaged: BackupScheduleOptions = {
      ...options,
      // One byte of one sealed chunk changed on disk between writing and verifying.
      afterWrite: async (file) => {
        const text = await readFile(file, 'utf8');
        const i = text.indexOf('\ne ') + 10;
        await writeFile(file, text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1));
      },
    };
    published.length = 0;
    expect(await runScheduledBackup(h.ctx, damaged)).toBe('failed');
    expect(await files()).toEqual(kept);
    const status = await backupStatus(h.ctx, options);
    expect(status.lastFailure).toMatchObject({ at: '2026-03-05T00:05:00.000Z' });
    expect(status.lastFailure!.error).toMatch(/does not decrypt/);
    expect(status.lastSuccess!.at).toBe('2026-03-04T00:05:00.000Z');

    expect(published).toHaveLength(1);
    const { key } = await currentHubKey(h.ctx);
    expect(JSON.parse(decryptHubEvent(deriveEventKey(key), published[0]!.content))).toEqual({
      type: 'backup:failed',
      at: '2026-03-05T00:05:00.000Z',
    });
    // Admins read it through the API.
    const res = await h.request('GET', '/api/backups/status', { as: admin });
    expect(res.status).toBe(200);
    expect((await res.json()).lastFailure).not.toBeNull();
  });

  it('runs from the timer (the next good backup clears the failure), and not at all when disabled', async () => {
    at(4 * DAY);
    const stop = startBackupSchedule(h.ctx, options, 20);
    const deadline = Date.now() + 10_000;
    while (!(await files()).some((f) => f.startsWith('llamenos-20260306T')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await stop();
    expect((await files()).some((f) => f.startsWith('llamenos-20260306T'))).toBe(true);
    expect((await backupStatus(h.ctx, options)).lastFailure).toBeNull();

    expect((await patchBackups({ enabled: false, intervalHours: 24, keep: 2 })).status).toBe(200);
    at(5 * DAY);
    expect(await runScheduledBackup(h.ctx, options)).toBe('disabled');
    expect((await backupStatus(h.ctx, options)).nextDueAt).toBeNull();
  });
});
