import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_WEBHOOK_STEPS, phoneVolunteersOnShift, webhookFootprint } from '../../test/calls-helpers.js';
import { createTestHotline, PUBLIC_URL, type TestHotline } from '../../test/helpers.js';
import { saveProviderCredentials } from '../settings/service.js';
import { FakeTwilioApi } from '../telephony/simulator/fake-twilio-api.js';
import { twilioSignature } from '../telephony/twilio/signature.js';
import { settleCallWork } from './index.js';

/**
 * Webhooks as an attacker or a flaky network sends them: unsigned, signed with the wrong key,
 * replayed, for a number we do not hold, and with malformed (fuzzed) fields.
 */

const TWILIO = { accountSid: `AC${'ab'.repeat(16)}`, authToken: randomBytes(16).toString('hex') };
const SIGNALWIRE = {
  projectId: randomUUID(),
  apiToken: randomBytes(16).toString('hex'),
  spaceUrl: 'https://example.signalwire.com',
  signingKey: randomBytes(16).toString('hex'),
};
const TWILIO_NUMBER = '+15550199001';
const SIGNALWIRE_NUMBER = '+15550199002';
const callSid = () => `CA${randomBytes(16).toString('hex')}`;

let h: TestHotline;
let fake: FakeTwilioApi;

function post(path: string, params: Record<string, string>, headers: Record<string, string>) {
  return h.app.request(`${PUBLIC_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
}

/** A webhook signed as Twilio signs it, over PUBLIC_URL + path + query and the form fields. */
const signed = (path: string, params: Record<string, string>, token = TWILIO.authToken) =>
  post(path, params, {
    'x-twilio-signature': twilioSignature(token, `${PUBLIC_URL}${path}`, Object.entries(params)),
  });

const counts = () => webhookFootprint(h.ctx.db);

beforeAll(async () => {
  fake = await FakeTwilioApi.start(TWILIO);
  h = await createTestHotline({}, { telephony: { twilio: { apiBaseUrl: fake.baseUrl } } });
  const actor = { pubkey: null, ipHash: null };
  await saveProviderCredentials(h.ctx, actor, 'twilio', { ...TWILIO, phoneNumbers: [TWILIO_NUMBER] });
  await saveProviderCredentials(h.ctx, actor, 'signalwire', {
    ...SIGNALWIRE,
    phoneNumbers: [SIGNALWIRE_NUMBER],
  });
  // Two volunteers on an all-day shift, so inbound calls ring legs at the fake.
  await phoneVolunteersOnShift(h, ['+15550198001', '+15550198002']);
});
afterAll(async () => {
  await settleCallWork(h.ctx);
  await fake?.close();
  await h?.close();
});

describe('webhook signatures', () => {
  for (const provider of ['twilio', 'signalwire'] as const) {
    it(`refuses unsigned and mis-signed ${provider} webhooks on every step with 403, storing nothing`, async () => {
      const before = await counts();
      const params = {
        CallSid: provider === 'twilio' ? callSid() : randomUUID(),
        From: '+15551230000',
        To: provider === 'twilio' ? TWILIO_NUMBER : SIGNALWIRE_NUMBER,
        CallStatus: 'ringing',
      };
      for (const step of CALL_WEBHOOK_STEPS) {
        const path = `/api/telephony/${provider}/${step}?call=${randomUUID()}&leg=${randomUUID()}&step=0`;
        const unsigned = await post(path, params, {});
        expect(unsigned.status, `${step} unsigned`).toBe(403);
        const wrongKey = twilioSignature('not-the-key-0000', `${PUBLIC_URL}${path}`, Object.entries(params));
        for (const header of ['x-twilio-signature', 'x-signalwire-signature']) {
          const res = await post(path, params, { [header]: wrongKey });
          expect(res.status, `${step} ${header}`).toBe(403);
        }
        // Signed over another URL (a replay moved to another step) fails as well.
        const moved = twilioSignature(
          provider === 'twilio' ? TWILIO.authToken : SIGNALWIRE.signingKey,
          `${PUBLIC_URL}/api/telephony/${provider}/other`,
          Object.entries(params),
        );
        expect((await post(path, params, { 'x-twilio-signature': moved })).status).toBe(403);
      }
      expect(await counts()).toEqual(before);
    });
  }

  it('has no webhooks for a provider without credentials (404: nothing to check a signature against)', async () => {
    for (const provider of ['plivo', 'vonage', 'asterisk', 'nope']) {
      const res = await post(
        `/api/telephony/${provider}/inbound`,
        { CallSid: callSid() },
        { 'x-twilio-signature': 'x' },
      );
      expect(res.status).toBe(404);
    }
  });

  it('accepts a correctly signed SignalWire inbound webhook', async () => {
    const path = '/api/telephony/signalwire/inbound';
    const params = {
      CallSid: randomUUID(),
      From: '+15551231111',
      To: SIGNALWIRE_NUMBER,
      CallStatus: 'ringing',
    };
    const res = await post(path, params, {
      'x-signalwire-signature': twilioSignature(
        SIGNALWIRE.signingKey,
        `${PUBLIC_URL}${path}`,
        Object.entries(params),
      ),
    });
    expect(res.status).toBe(200);
    // The caller waits in the call's conference (held and handed over at SignalWire).
    expect(await res.text()).toContain('<Conference');
    await settleCallWork(h.ctx);
  });
});

describe('idempotency and routing', () => {
  it('answers a number the hotline does not hold with a polite hangup, audited once even when replayed', async () => {
    const before = await counts();
    const params = { CallSid: callSid(), From: '+15551232222', To: '+15550000001', CallStatus: 'ringing' };
    for (let i = 0; i < 3; i++) {
      const res = await signed('/api/telephony/twilio/inbound', params);
      expect(res.status).toBe(200);
      const xml = await res.text();
      expect(xml).toContain('<Hangup/>');
      expect(xml).toContain('not in service');
    }
    const after = await counts();
    expect(after.calls).toBe(before.calls);
    expect(after.audit).toBe(before.audit + 1);
    // A hotline number of another provider, sent to the Twilio route, is not Twilio's to answer.
    const other = await signed('/api/telephony/twilio/inbound', {
      ...params,
      CallSid: callSid(),
      To: SIGNALWIRE_NUMBER,
    });
    expect(await other.text()).toContain('<Hangup/>');
    expect((await counts()).calls).toBe(before.calls);
  });

  it('has no double effect from replayed inbound, answer and status webhooks', async () => {
    const sid = callSid();
    const inbound = { CallSid: sid, From: '+15551233333', To: TWILIO_NUMBER, CallStatus: 'ringing' };
    const creates = () =>
      fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Calls.json')).length;
    const createsBefore = creates();
    const first = await (await signed('/api/telephony/twilio/inbound', inbound)).text();
    await settleCallWork(h.ctx);
    const second = await (await signed('/api/telephony/twilio/inbound', inbound)).text();
    await settleCallWork(h.ctx);
    expect(second).toBe(first);
    const calls = await h.ctx.db.query('select * from calls where provider_call_id = $1', [sid]);
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(creates() - createsBefore).toBe(2); // two volunteers, rung once each
    const legs = await h.ctx.db.query<{ id: string; provider_leg_id: string }>(
      'select * from call_legs where call_id = $1 order by id',
      [call.id],
    );
    expect(legs).toHaveLength(2);
    const rate = await h.ctx.db.query<{ count: number }>('select count from rate_limits where key like $1', [
      'calls:caller:%',
    ]);
    expect(rate.map((r) => Number(r.count))).toContain(1);

    // Press 1 on the first leg, twice (the provider retried): one winner, one audit entry.
    const [leg, other] = legs as [(typeof legs)[0], (typeof legs)[0]];
    const answerPath = `/api/telephony/twilio/answer?call=${call.id}&leg=${leg.id}`;
    const pressed = { CallSid: leg.provider_leg_id, Digits: '1', CallStatus: 'in-progress' };
    const a1 = await (await signed(answerPath, pressed)).text();
    await settleCallWork(h.ctx);
    const cancels = () =>
      fake.requests.filter((r) => r.method === 'POST' && r.path.includes(other.provider_leg_id)).length;
    const cancelsAfterFirst = cancels();
    const a2 = await (await signed(answerPath, pressed)).text();
    await settleCallWork(h.ctx);
    expect(a1).toContain('<Conference beep="false" startConferenceOnEnter="true"');
    expect(a2).toBe(a1);
    expect(cancels()).toBe(cancelsAfterFirst);
    const answered = await h.ctx.db.query(
      `select * from audit_log where action = 'calls.answered' and details->>'callId' = $1`,
      [call.id],
    );
    expect(answered).toHaveLength(1);
    // The other leg pressing 1 late loses.
    const late = await (
      await signed(`/api/telephony/twilio/answer?call=${call.id}&leg=${other.id}`, {
        CallSid: other.provider_leg_id,
        Digits: '1',
      })
    ).text();
    expect(late).toContain('Another volunteer took this call');
    // A leg's digits under another leg's id are refused (the provider id must match).
    const swapped = await (
      await signed(`/api/telephony/twilio/answer?call=${call.id}&leg=${other.id}`, {
        CallSid: leg.provider_leg_id,
        Digits: '1',
      })
    ).text();
    expect(swapped).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');

    // The caller hangs up; the callback arrives three times: ended once.
    for (let i = 0; i < 3; i++) {
      const res = await signed('/api/telephony/twilio/status', { CallSid: sid, CallStatus: 'completed' });
      expect(res.status).toBe(200);
      await settleCallWork(h.ctx);
    }
    const ended = await h.ctx.db.query(
      `select * from audit_log where action = 'calls.ended' and details->>'callId' = $1`,
      [call.id],
    );
    expect(ended).toHaveLength(1);
    expect((await h.ctx.db.query('select status from calls where id = $1', [call.id]))[0]!.status).toBe(
      'completed',
    );
  });
});

describe('races at the deadline', () => {
  it('puts a caller redirected to voicemail back in the queue when a volunteer won the call just before', async () => {
    const sid = callSid();
    await signed('/api/telephony/twilio/inbound', { CallSid: sid, From: '+15551234444', To: TWILIO_NUMBER });
    await settleCallWork(h.ctx);
    const [call] = await h.ctx.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [
      sid,
    ]);
    const [leg] = await h.ctx.db.query<{ id: string; provider_leg_id: string }>(
      'select id, provider_leg_id from call_legs where call_id = $1 and provider_leg_id is not null limit 1',
      [call!.id],
    );
    await signed(`/api/telephony/twilio/answer?call=${call!.id}&leg=${leg!.id}`, {
      CallSid: leg!.provider_leg_id,
      Digits: '1',
    });
    await settleCallWork(h.ctx);
    const doc = await (
      await signed(`/api/telephony/twilio/voicemail?call=${call!.id}`, { CallSid: sid })
    ).text();
    expect(doc).toContain(`<Conference`);
    expect(doc).toContain(`call-${call!.id}`);
    expect((await h.ctx.db.query('select status from calls where id = $1', [call!.id]))[0]!.status).toBe(
      'answered',
    );
    await signed('/api/telephony/twilio/status', { CallSid: sid, CallStatus: 'completed' });
    await settleCallWork(h.ctx);
  });
});

describe('malformed payloads', () => {
  it('answers fuzzed, correctly signed webhooks with 200 or 400, never 500', async () => {
    const [existing] = await h.ctx.db.query<{ id: string }>('select id from calls limit 1');
    const fieldName = fc.oneof(
      fc.constantFrom(
        'CallSid',
        'From',
        'To',
        'CallStatus',
        'Digits',
        'RecordingSid',
        'RecordingStatus',
        'RecordingDuration',
        'AccountSid',
      ),
      fc.string({ maxLength: 12 }),
    );
    const fieldValue = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom(
        callSid(),
        TWILIO_NUMBER,
        '+1',
        'anonymous',
        'completed',
        'in-progress',
        '1',
        '',
        `RE${'0'.repeat(32)}`,
        '-5',
        'NaN',
      ),
    );
    const callParam = fc.oneof(
      fc.constant(existing?.id ?? randomUUID()),
      fc.uuid(),
      fc.string({ maxLength: 10 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CALL_WEBHOOK_STEPS),
        fc.dictionary(fieldName, fieldValue, { maxKeys: 8 }),
        callParam,
        fc.oneof(fc.constant('0'), fc.string({ maxLength: 4 })),
        async (step, params, call, stepParam) => {
          const query = new URLSearchParams({ call, leg: randomUUID(), step: stepParam }).toString();
          const res = await signed(`/api/telephony/twilio/${step}?${query}`, params);
          await res.arrayBuffer();
          expect([200, 400]).toContain(res.status);
        },
      ),
      { numRuns: 200 },
    );
    await settleCallWork(h.ctx);
  });
});
