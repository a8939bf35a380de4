import { afterAll, describe, expect, it } from 'vitest';
import { startCallServer } from '../../test/calls-helpers.js';
import { TEST_PG_URL } from '../../test/helpers.js';
import { callerOnTheLine, TEST_TWILIO, twilioInbound, useTwilioNumber } from '../../test/twilio-webhooks.js';
import { SETTINGS_FRESH_MS } from '../settings/cache.js';
import { FakeTwilioApi } from '../telephony/simulator/fake-twilio-api.js';

/**
 * On PGlite every statement takes turns on one connection, in this thread. A process behind on
 * its webhooks' and timers' statements still answers an arriving caller fast: the inbound call's
 * transaction, and the settings reads it waits on, are urgent (db/database.ts QueryOptions) and go
 * before the statements already waiting. PostgreSQL runs statements side by side on its pool.
 */
const NUMBER = '+15550188001';
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

describe.skipIf(TEST_PG_URL)('an arriving call on a busy PGlite process', () => {
  it('is answered before the statements that were waiting when it came', async () => {
    const fake = await FakeTwilioApi.start(TEST_TWILIO);
    cleanup.push(() => fake.close());
    const s = await startCallServer({ telephony: { twilio: { apiBaseUrl: fake.baseUrl } } });
    cleanup.push(() => s.close());
    await useTwilioNumber(s.ctx, NUMBER);
    // A process that has taken calls already: its provider adapter is built (a statement, once).
    expect((await twilioInbound(s.url, callerOnTheLine(fake, NUMBER, '+15550188998'), NUMBER)).status).toBe(
      200,
    );
    await s.settle();
    // Past the kept settings' freshness: the settings and the number's provider are read again,
    // urgently too (settings/cache.ts), with the backlog ahead of them.
    await new Promise((resolve) => setTimeout(resolve, SETTINGS_FRESH_MS + 50));

    // 40 statements of 50 ms each queued at once: 2 s of work ahead of anything asked after them.
    const total = 40;
    let done = 0;
    const backlog = Array.from({ length: total }, () =>
      s.db.query('select pg_sleep(0.05)').then(() => {
        done++;
      }),
    );
    const caller = callerOnTheLine(fake, NUMBER, '+15550188999');
    const inbound = await twilioInbound(s.url, caller, NUMBER);
    const doneWhenAnswered = done;
    await Promise.all(backlog);

    expect(inbound.status).toBe(200);
    expect(inbound.body).toContain('<Response>');
    // Each of its steps waited for at most the one statement running (letEventLoopTurn lets the
    // request in between two): a handful, not the backlog.
    expect(doneWhenAnswered).toBeLessThan(total / 2);
  }, 60_000);
});
