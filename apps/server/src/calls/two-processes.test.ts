import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { openTestDatabase, TEST_PG_URL } from '../../test/helpers.js';
import {
  callerOnTheLine,
  TEST_TWILIO,
  twilioInbound,
  twilioWebhook,
  useTwilioNumber,
} from '../../test/twilio-webhooks.js';
import { openPostgres } from '../db/postgres.js';
import { FakeTwilioApi } from '../telephony/simulator/fake-twilio-api.js';
import { tickCallTimers } from './index.js';

/**
 * Two server processes on one PostgreSQL (each with its own connection pool), one provider:
 * ten volunteers press 1 at once, their webhooks spread over both processes. Exactly one wins;
 * the deadline timer is fired once even when both processes tick together; the queue never
 * rings one volunteer for two calls, however the two processes' rounds interleave.
 * Runs only with LLAMENOS_TEST_DATABASE_URL (npm test's PostgreSQL pass).
 */
const NUMBER = '+15550166001';
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

/**
 * Two call servers sharing one fresh database through separate pools, the same server secret
 * and one fake Twilio whose hotline number is NUMBER.
 */
async function twoProcesses() {
  const { db, url, drop } = await openTestDatabase();
  const secondPool = await openPostgres(url!);
  const fake = await FakeTwilioApi.start(TEST_TWILIO);
  const secret = randomBytes(32).toString('hex');
  const telephony = { twilio: { apiBaseUrl: fake.baseUrl } };
  const a = await startCallServer({ db, serverSecret: secret, telephony });
  const b = await startCallServer({ db: secondPool, serverSecret: secret, telephony });
  cleanup.push(
    drop,
    () => fake.close(),
    () => a.close(),
    () => b.close(),
  );
  await useTwilioNumber(a.ctx, NUMBER);
  return { db, fake, a, b };
}

describe.skipIf(!TEST_PG_URL)('two server processes on one PostgreSQL', () => {
  it('gives a call to exactly one of ten volunteers pressing 1 on two processes at once', async () => {
    const { db, fake, a, b } = await twoProcesses();
    const servers: CallServer[] = [a, b];
    const users = [];
    for (let i = 0; i < 10; i++) users.push(await a.addUser(['volunteer'], { phone: `+155501660${10 + i}` }));
    await a.putOnShift(users.map((u) => u.id));

    const caller = callerOnTheLine(fake, NUMBER, '+15550166999');
    await twilioInbound(a.url, caller, NUMBER);
    const legs = await waitFor(async () => {
      const rows = await db.query<{ id: string; call_id: string; provider_leg_id: string }>(
        'select * from call_legs where provider_leg_id is not null',
      );
      return rows.length === 10 ? rows : null;
    }, 'ten legs placed');

    const t = performance.now();
    const answers = await Promise.all(
      legs.map((leg, i) =>
        twilioWebhook(servers[i % 2]!.url, `/api/telephony/twilio/answer?call=${leg.call_id}&leg=${leg.id}`, {
          CallSid: leg.provider_leg_id,
          Digits: '1',
        }),
      ),
    );
    const raceMs = performance.now() - t;
    await a.settle();
    await b.settle();
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(answers.filter((r) => r.body.includes('startConferenceOnEnter="true"'))).toHaveLength(1);
    expect(answers.filter((r) => r.body.includes('Another volunteer took this call'))).toHaveLength(9);
    const [call] = await db.query('select * from calls where provider_call_id = $1', [caller.sid]);
    expect(call!.status).toBe('answered');
    const audits = await db.query(`select * from audit_log where action = 'calls.answered'`);
    expect(audits).toHaveLength(1);
    console.info(`timing: 10 presses over 2 processes on PostgreSQL settled in ${raceMs.toFixed(0)} ms`);
  });

  it('never rings one volunteer for two calls when both processes run the queue at once', async () => {
    const { db, fake, a, b } = await twoProcesses();
    const users = [];
    for (let i = 0; i < 5; i++) users.push(await a.addUser(['volunteer'], { phone: `+155501661${10 + i}` }));
    await a.putOnShift(users.map((u) => u.id));

    // Twelve callers at once, their inbound webhooks spread over both processes; each one
    // starts a queue round in the process that received it, while the other runs its own.
    const callers = Array.from({ length: 12 }, (_, i) =>
      callerOnTheLine(fake, NUMBER, `+155501667${String(i).padStart(2, '0')}`),
    );
    await Promise.all(callers.map((caller, i) => twilioInbound([a, b][i % 2]!.url, caller, NUMBER)));
    await Promise.all([a.settle(), b.settle()]);
    await Promise.all([tickCallTimers(a.ctx), tickCallTimers(b.ctx)]);
    await Promise.all([a.settle(), b.settle()]);

    const live = await db.query<{ call_id: string; user_id: string }>(
      `select call_id, user_id from call_legs where status in ('pending', 'queued', 'ringing')`,
    );
    const callsOf = new Map<string, Set<string>>();
    for (const l of live) callsOf.set(l.user_id, (callsOf.get(l.user_id) ?? new Set()).add(l.call_id));
    expect(callsOf.size).toBe(5);
    for (const calls of callsOf.values()) expect(calls.size).toBe(1);
    // At the provider too: no volunteer's number has two live legs.
    const liveAtProvider = [...fake.state.calls.values()].filter(
      (c) => c.to !== NUMBER && (c.status === 'queued' || c.status === 'ringing'),
    );
    expect(new Set(liveAtProvider.map((c) => c.to)).size).toBe(liveAtProvider.length);
  });

  it('fires a deadline once when both processes tick at the same moment', async () => {
    const { db, fake, a, b } = await twoProcesses();
    const caller = callerOnTheLine(fake, NUMBER, '+15550166998');
    await twilioInbound(b.url, caller, NUMBER);
    await b.settle();
    const [call] = await db.query('select * from calls where provider_call_id = $1', [caller.sid]);
    const later = new Date(new Date(call!.queue_deadline as string).getTime() + 1000);
    const [ra, rb] = await Promise.all([tickCallTimers(a.ctx, later), tickCallTimers(b.ctx, later)]);
    expect(ra.voicemail + rb.voicemail).toBe(1);
    expect(fake.call(caller.sid)!.redirects).toHaveLength(1);
  });
});
