import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { openTestDatabase, TEST_PG_URL } from '../../test/helpers.js';
import { TEST_TWILIO, twilioWebhook } from '../../test/twilio-webhooks.js';
import { openPostgres } from '../db/postgres.js';
import { saveProviderCredentials } from '../settings/service.js';
import { FakeTwilioApi } from '../telephony/simulator/fake-twilio-api.js';
import { tickCallTimers } from './index.js';

/**
 * Two server processes on one PostgreSQL (each with its own connection pool), one provider:
 * ten volunteers press 1 at once, their webhooks spread over both processes. Exactly one wins;
 * the deadline timer is fired once even when both processes tick together.
 * Runs only with LLAMENOS_TEST_DATABASE_URL (npm test's PostgreSQL pass).
 */
const NUMBER = '+15550166001';
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

describe.skipIf(!TEST_PG_URL)('two server processes on one PostgreSQL', () => {
  it('gives a call to exactly one of ten volunteers pressing 1 on two processes at once', async () => {
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
    const servers: CallServer[] = [a, b];
    await saveProviderCredentials(a.ctx, { pubkey: null, ipHash: null }, 'twilio', {
      ...TEST_TWILIO,
      phoneNumbers: [NUMBER],
    });
    const users = [];
    for (let i = 0; i < 10; i++) users.push(await a.addUser(['volunteer'], { phone: `+155501660${10 + i}` }));
    await a.putOnShift(users.map((u) => u.id));

    const caller = fake.state.createCall({
      to: NUMBER,
      from: '+15550166999',
      url: '',
      statusCallback: null,
      statusCallbackEvents: [],
      timeoutSeconds: 60,
    });
    fake.setCallStatus(caller.sid, 'in-progress');
    await twilioWebhook(a.url, '/api/telephony/twilio/inbound', {
      CallSid: caller.sid,
      From: caller.from,
      To: NUMBER,
    });
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
    expect(answers.filter((r) => r.body.includes('<Queue>'))).toHaveLength(1);
    expect(answers.filter((r) => r.body.includes('Another volunteer took this call'))).toHaveLength(9);
    const [call] = await db.query('select * from calls where provider_call_id = $1', [caller.sid]);
    expect(call!.status).toBe('answered');
    const audits = await db.query(`select * from audit_log where action = 'calls.answered'`);
    expect(audits).toHaveLength(1);
    console.info(`timing: 10 presses over 2 processes on PostgreSQL settled in ${raceMs.toFixed(0)} ms`);
  });

  it('fires a deadline once when both processes tick at the same moment', async () => {
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
    await saveProviderCredentials(a.ctx, { pubkey: null, ipHash: null }, 'twilio', {
      ...TEST_TWILIO,
      phoneNumbers: [NUMBER],
    });
    const caller = fake.state.createCall({
      to: NUMBER,
      from: '+15550166998',
      url: '',
      statusCallback: null,
      statusCallbackEvents: [],
      timeoutSeconds: 60,
    });
    fake.setCallStatus(caller.sid, 'in-progress');
    await twilioWebhook(b.url, '/api/telephony/twilio/inbound', {
      CallSid: caller.sid,
      From: caller.from,
      To: NUMBER,
    });
    await b.settle();
    const [call] = await db.query('select * from calls where provider_call_id = $1', [caller.sid]);
    const later = new Date(new Date(call!.queue_deadline as string).getTime() + 1000);
    const [ra, rb] = await Promise.all([tickCallTimers(a.ctx, later), tickCallTimers(b.ctx, later)]);
    expect(ra.voicemail + rb.voicemail).toBe(1);
    expect(fake.call(caller.sid)!.redirects).toHaveLength(1);
  });
});
