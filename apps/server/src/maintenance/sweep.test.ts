import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { hitRateLimit, RATE_LIMITS } from '../rate-limit/service.js';
import { startSweepTimer, sweepExpiredRows } from './sweep.js';

const T0 = new Date('2026-03-01T12:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

describe('sweep of expired replay ids and rate-limit counters', () => {
  let h: TestHotline;
  beforeEach(async () => {
    h = await createTestHotline();
    h.setNow(T0);
  });
  afterEach(async () => {
    await h.close();
  });

  const count = async (table: string) =>
    Number((await h.ctx.db.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n);

  it('forgets the NIP-98 ids of requests whose tokens have expired, and keeps the live ones', async () => {
    const admin = await h.addUser(['volunteer']);
    expect((await h.request('GET', '/api/me', { as: admin })).status).toBe(200);
    h.setNow(minutes(30));
    expect((await h.request('GET', '/api/me', { as: admin })).status).toBe(200);
    expect(await count('auth_replay')).toBe(2);

    const swept = await sweepExpiredRows(h.ctx, minutes(30));
    expect(swept.replayIds).toBe(1);
    expect(await count('auth_replay')).toBe(1);
  });

  it('drops counters whose own window and block are over, whatever the rule', async () => {
    const db = h.ctx.db;
    const hourly = { limit: 1, windowSeconds: 3600, blockSeconds: 60 };
    await hitRateLimit(db, 'login:a', RATE_LIMITS.login, T0); // 60 s window, no block
    await hitRateLimit(db, 'calls:b', hourly, T0); // one-hour window
    for (let i = 0; i < 3; i++) await hitRateLimit(db, 'bootstrap:c', RATE_LIMITS.bootstrap, T0); // counting
    for (let i = 0; i < 6; i++) await hitRateLimit(db, 'bootstrap:d', RATE_LIMITS.bootstrap, T0); // blocked 15 min

    // Ten minutes on: only the 60-second login window is over. The bootstrap window (5 min) is
    // over too, but d's block runs until minute 15.
    expect((await sweepExpiredRows(h.ctx, minutes(10))).rateLimits).toBe(2);
    const left = await db.query<{ key: string }>('select key from rate_limits order by key');
    expect(left.map((r) => r.key)).toEqual(['bootstrap:d', 'calls:b']);

    // The block is still honoured by the counter that was kept.
    expect((await hitRateLimit(db, 'bootstrap:d', RATE_LIMITS.bootstrap, minutes(11))).allowed).toBe(false);

    expect((await sweepExpiredRows(h.ctx, minutes(61))).rateLimits).toBe(2);
    expect(await count('rate_limits')).toBe(0);
  });

  it('runs on the periodic job machinery and stops cleanly', async () => {
    await hitRateLimit(h.ctx.db, 'login:old', RATE_LIMITS.login, minutes(-60));
    const stop = startSweepTimer(h.ctx, 60_000);
    await expect.poll(() => count('rate_limits'), { timeout: 5000 }).toBe(0);
    await stop();
  });
});
