import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_WEBHOOK_STEPS, phoneVolunteersOnShift, webhookFootprint } from '../../test/calls-helpers.js';
import { FakePlivoApi } from '../../test/fakes/plivo-api.js';
import { FakeVonageApi } from '../../test/fakes/vonage-api.js';
import { createTestHotline, PUBLIC_URL, type TestHotline, type TestUser } from '../../test/helpers.js';
import { plivoCallFields, plivoInboundFields, plivoRequest, TEST_PLIVO } from '../../test/plivo-webhooks.js';
import { openStoredVoicemail } from '../../test/voicemail-helpers.js';
import {
  testVonageAccount,
  vonageCallFields,
  vonageInboundFields,
  vonageRequest,
  vonageToken,
} from '../../test/vonage-webhooks.js';
import { saveProviderCredentials } from '../settings/service.js';
import { settleCallWork, tickCallTimers } from './index.js';

/**
 * Vonage and Plivo through the same provider-neutral router as Twilio: webhooks signed exactly
 * as each provider signs them (test/vonage-webhooks.ts, test/plivo-webhooks.ts), legs placed at
 * the local fake of each provider's REST API. A full answered call, voicemail, forged webhooks
 * on every route (403, nothing stored) and replays (no second effect).
 */

const { credentials: VONAGE, publicKeyPem: VONAGE_PUBLIC_KEY } = testVonageAccount();
const PLIVO = TEST_PLIVO;
const VONAGE_NUMBER = '+15550177001';
const PLIVO_NUMBER = '+15550177002';

let h: TestHotline;
let vonage: FakeVonageApi;
let plivo: FakePlivoApi;
let admin: TestUser;

const counts = () => webhookFootprint(h.ctx.db);
const audits = async (action: string, callId: string) =>
  (
    await h.ctx.db.query(`select 1 from audit_log where action = $1 and details->>'callId' = $2`, [
      action,
      callId,
    ])
  ).length;

/** What differs between the two providers; the scenarios below are shared. */
interface Driver {
  name: 'vonage' | 'plivo';
  number: string;
  /** A signed webhook (or one altered by `forge`) to PUBLIC_URL + path. */
  send(
    path: string,
    fields: Record<string, unknown>,
    forge?: 'unsigned' | 'wrong-key' | 'other',
  ): Promise<Response>;
  /** A caller's call that the fake knows as live (so hangups and transfers reach it). */
  liveCaller(): string;
  inbound(caller: string, from: string): Record<string, unknown>;
  /** Fields of a callback about one of our calls (leg or caller): ids, plus a status or digits. */
  about(providerId: string, more?: { status?: string; digits?: string }): Record<string, unknown>;
  legsCreated(): number;
  answerAtFake(providerLegId: string): void;
  stateAtFake(providerId: string): string | undefined;
  transfers(providerId: string): number;
  addRecording(bytes: Uint8Array): { fields: Record<string, unknown>; deleted: () => boolean };
  endedWord: string;
  canceledWord: string;
}

const vonageDriver: Driver = {
  name: 'vonage',
  number: VONAGE_NUMBER,
  async send(path, fields, forge) {
    const init =
      forge === 'unsigned'
        ? vonageRequest(null, fields)
        : forge === 'wrong-key'
          ? vonageRequest(null, fields, {
              authorization: `Bearer ${vonageToken(VONAGE, JSON.stringify(fields), { secret: 'not-the-secret-0' })}`,
            })
          : forge === 'other'
            ? // Right key, but the token binds another body (a token lifted from another webhook).
              vonageRequest(null, fields, {
                authorization: `Bearer ${vonageToken(VONAGE, JSON.stringify({ ...fields, x: 1 }))}`,
              })
            : vonageRequest(VONAGE, fields);
    return h.app.request(`${PUBLIC_URL}${path}`, init);
  },
  liveCaller: () => vonage.addCall('answered').uuid,
  inbound: (caller, from) => vonageInboundFields(caller, from, VONAGE_NUMBER),
  about: vonageCallFields,
  legsCreated: () => vonage.requests.filter((r) => r.method === 'POST' && r.path === '/v1/calls').length,
  answerAtFake: (id) => {
    vonage.calls.get(id)!.status = 'answered';
  },
  stateAtFake: (id) => vonage.calls.get(id)?.status,
  transfers: (id) => vonage.calls.get(id)?.transfers.length ?? 0,
  addRecording(bytes) {
    const file = vonage.addFile(bytes);
    const start = new Date();
    // The record event names the file and the conversation, not the call: the router knows the
    // call from its own `call` parameter in the event URL.
    return {
      fields: {
        recording_url: `https://api.nexmo.com/v1/files/${file}`,
        recording_uuid: randomUUID(),
        conversation_uuid: `CON-${randomUUID()}`,
        start_time: start.toISOString(),
        end_time: new Date(start.getTime() + 3000).toISOString(),
        size: bytes.length,
      },
      deleted: () => vonage.files.get(file)!.deleted,
    };
  },
  endedWord: 'completed',
  canceledWord: 'cancelled',
};

const plivoDriver: Driver = {
  name: 'plivo',
  number: PLIVO_NUMBER,
  async send(path, fields, forge) {
    const url = `${PUBLIC_URL}${path}`;
    const params = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
    const init =
      forge === 'unsigned'
        ? plivoRequest(null, url, params)
        : forge === 'wrong-key'
          ? plivoRequest('not-the-token-000', url, params)
          : forge === 'other'
            ? // Right key, signed over another URL (a signature lifted from another webhook).
              plivoRequest(PLIVO.authToken, `${PUBLIC_URL}/api/telephony/plivo/other`, params)
            : plivoRequest(PLIVO.authToken, url, params);
    if (forge === 'other') {
      // The nonce is part of what is signed: a signature with the nonce swapped must fail too.
      const headers = new Headers(init.headers);
      headers.set('x-plivo-signature-v3-nonce', 'another-nonce');
      init.headers = headers;
    }
    return h.app.request(url, init);
  },
  liveCaller: () => plivo.addCall('in-progress').uuid,
  inbound: (caller, from) => plivoInboundFields(caller, from, PLIVO_NUMBER),
  // Plivo names a call we placed by its request uuid (also its call uuid once connected).
  about: plivoCallFields,
  legsCreated: () =>
    plivo.requests.filter((r) => r.method === 'POST' && r.path === `/v1/Account/${PLIVO.authId}/Call/`)
      .length,
  answerAtFake: (id) => {
    plivo.calls.get(id)!.state = 'in-progress';
  },
  stateAtFake: (id) => plivo.calls.get(id)?.state,
  transfers: (id) => plivo.calls.get(id)?.transfers.length ?? 0,
  addRecording(bytes) {
    const id = plivo.addRecording(bytes);
    return {
      fields: { RecordingID: id, RecordingDuration: '3', RecordUrl: `https://media.plivo.com/x/${id}.mp3` },
      deleted: () => plivo.recordings.get(id)!.deleted,
    };
  },
  endedWord: 'completed',
  canceledWord: 'canceled',
};

beforeAll(async () => {
  vonage = await FakeVonageApi.start({
    applicationId: VONAGE.applicationId,
    publicKeyPem: VONAGE_PUBLIC_KEY,
  });
  plivo = await FakePlivoApi.start(PLIVO);
  h = await createTestHotline(
    {},
    { telephony: { vonage: { apiBaseUrl: vonage.baseUrl }, plivo: { apiBaseUrl: plivo.baseUrl } } },
  );
  const actor = { pubkey: null, ipHash: null };
  await saveProviderCredentials(h.ctx, actor, 'vonage', { ...VONAGE, phoneNumbers: [VONAGE_NUMBER] });
  await saveProviderCredentials(h.ctx, actor, 'plivo', { ...PLIVO, phoneNumbers: [PLIVO_NUMBER] });
  admin = await h.addUser(['admin'], 'Admin');
  // Two volunteers on an all-day shift, so inbound calls ring two legs at the fake.
  await phoneVolunteersOnShift(h, ['+15550178001', '+15550178002']);
});
afterAll(async () => {
  await settleCallWork(h.ctx);
  await vonage?.close();
  await plivo?.close();
  await h?.close();
});

/** A caller reaches the hotline: the call row, and its two legs placed at the fake. */
async function arrive(d: Driver) {
  const caller = d.liveCaller();
  const createdBefore = d.legsCreated();
  const res = await d.send(`/api/telephony/${d.name}/inbound`, d.inbound(caller, '+15551239876'));
  expect(res.status).toBe(200);
  const document = await res.text();
  await settleCallWork(h.ctx);
  const [call] = await h.ctx.db.query<{ id: string; status: string; queue_deadline: string }>(
    'select * from calls where provider = $1 and provider_call_id = $2',
    [d.name, caller],
  );
  expect(call?.status).toBe('ringing');
  expect(document).toContain(`call-${call!.id}`);
  expect(d.legsCreated() - createdBefore).toBe(2);
  const legs = await h.ctx.db.query<{ id: string; provider_leg_id: string; status: string }>(
    'select * from call_legs where call_id = $1 order by id',
    [call!.id],
  );
  expect(legs.map((l) => l.status)).toEqual(['queued', 'queued']);
  return { caller, call: call!, legs, document };
}

for (const d of [vonageDriver, plivoDriver]) {
  describe(`${d.name} through the router`, () => {
    it('connects a full call: inbound → legs → screening → press 1 → connect; losers cancelled; ends once', async () => {
      const { caller, call, legs, document } = await arrive(d);
      const [winner, loser] = legs as [(typeof legs)[0], (typeof legs)[0]];
      const base = `/api/telephony/${d.name}`;
      const q = `call=${call.id}&leg=${winner.id}`;

      expect(
        (await d.send(`${base}/leg-status?${q}`, d.about(winner.provider_leg_id, { status: 'ringing' })))
          .status,
      ).toBe(d.name === 'vonage' ? 204 : 200);
      d.answerAtFake(winner.provider_leg_id);
      const screen = await (await d.send(`${base}/screen?${q}`, d.about(winner.provider_leg_id))).text();
      expect(screen).toContain('Press 1 to take this call');
      expect(screen).toContain(`/answer?call=${call.id}`);

      const pressed = d.about(winner.provider_leg_id, { digits: '1' });
      const connect = await (await d.send(`${base}/answer?${q}`, pressed)).text();
      await settleCallWork(h.ctx);
      expect(connect).toContain(`call-${call.id}`);
      expect(connect).toContain(
        d.name === 'vonage' ? '"startOnEnter":true' : 'startConferenceOnEnter="true"',
      );
      expect(document).toContain(
        d.name === 'vonage' ? '"startOnEnter":false' : 'startConferenceOnEnter="false"',
      );
      const row = (await h.ctx.db.query('select * from calls where id = $1', [call.id]))[0]!;
      expect(row.status).toBe('answered');
      expect(row.answered_leg_id).toBe(winner.id);
      expect(d.stateAtFake(loser.provider_leg_id)).toBe(d.canceledWord);

      // Replayed press of 1: the same document, no second answer, no second cancel.
      const requestsBefore = d.name === 'vonage' ? vonage.requests.length : plivo.requests.length;
      expect(await (await d.send(`${base}/answer?${q}`, pressed)).text()).toBe(connect);
      await settleCallWork(h.ctx);
      expect(d.name === 'vonage' ? vonage.requests.length : plivo.requests.length).toBe(requestsBefore);
      expect(await audits('calls.answered', call.id)).toBe(1);

      // The loser's late press: taken.
      const late = await d.send(
        `${base}/answer?call=${call.id}&leg=${loser.id}`,
        d.about(loser.provider_leg_id, { digits: '1' }),
      );
      expect(await late.text()).toContain('Another volunteer took this call');

      // The volunteer hangs up (replayed three times): the call completes once, the caller is hung up.
      for (let i = 0; i < 3; i++) {
        await d.send(`${base}/leg-status?${q}`, d.about(winner.provider_leg_id, { status: 'completed' }));
        await settleCallWork(h.ctx);
      }
      expect((await h.ctx.db.query('select status from calls where id = $1', [call.id]))[0]!.status).toBe(
        'completed',
      );
      expect(d.stateAtFake(caller)).toBe(d.endedWord);
      expect(await audits('calls.ended', call.id)).toBe(1);
      // The caller's own status callback after that changes nothing.
      await d.send(`${base}/status`, d.about(caller, { status: 'completed' }));
      expect(await audits('calls.ended', call.id)).toBe(1);
    });

    it('replays an inbound webhook without a second row, leg or rate-limit hit', async () => {
      const caller = d.liveCaller();
      const fields = d.inbound(caller, '+15551230042');
      const first = await (await d.send(`/api/telephony/${d.name}/inbound`, fields)).text();
      await settleCallWork(h.ctx);
      const before = { ...(await counts()), legs: d.legsCreated() };
      const second = await (await d.send(`/api/telephony/${d.name}/inbound`, fields)).text();
      await settleCallWork(h.ctx);
      expect(second).toBe(first);
      expect({ ...(await counts()), legs: d.legsCreated() }).toEqual(before);
      // The caller hangs up while ringing: abandoned, every leg cancelled at the provider.
      await d.send(`/api/telephony/${d.name}/status`, d.about(caller, { status: 'completed' }));
      await settleCallWork(h.ctx);
      const [row] = await h.ctx.db.query<{ id: string; status: string }>(
        'select id, status from calls where provider_call_id = $1',
        [caller],
      );
      expect(row!.status).toBe('abandoned');
      const legs = await h.ctx.db.query<{ provider_leg_id: string; status: string }>(
        'select provider_leg_id, status from call_legs where call_id = $1',
        [row!.id],
      );
      expect(legs.map((l) => l.status)).toEqual(['canceled', 'canceled']);
      for (const l of legs) expect(d.stateAtFake(l.provider_leg_id)).toBe(d.canceledWord);
    });

    it('takes a voicemail at the deadline: redirect at the provider, recording sealed once, deleted there', async () => {
      const { caller, call } = await arrive(d);
      const deadline = new Date(call.queue_deadline).getTime();
      expect((await tickCallTimers(h.ctx, new Date(deadline + 1000))).voicemail).toBe(1);
      await settleCallWork(h.ctx);
      expect(d.transfers(caller)).toBe(1);
      const base = `/api/telephony/${d.name}`;
      const prompt = await (await d.send(`${base}/voicemail?call=${call.id}`, d.about(caller))).text();
      expect(prompt).toContain(`/recording?call=${call.id}`);

      const audio = randomBytes(600);
      const recording = d.addRecording(audio);
      const fields = d.name === 'plivo' ? { ...d.about(caller), ...recording.fields } : recording.fields;
      const before = await counts();
      for (let i = 0; i < 3; i++) {
        const res = await d.send(`${base}/recording?call=${call.id}`, fields);
        expect(res.status).toBe(d.name === 'vonage' ? 204 : 200);
        await settleCallWork(h.ctx);
      }
      expect((await counts()).voicemails).toBe(before.voicemails + 1);
      expect(await audits('calls.voicemail-stored', call.id)).toBe(1);
      expect(recording.deleted()).toBe(true);
      const opened = await openStoredVoicemail(h.ctx, h.ctx.db, call.id as string, admin);
      expect(await h.ctx.db.query('select 1 from recording_deletes where call_id = $1', [call.id])).toEqual(
        [],
      );
      expect(Buffer.from(opened).equals(audio)).toBe(true);

      await d.send(`${base}/status`, d.about(caller, { status: 'completed' }));
      await settleCallWork(h.ctx);
      const ended = (await h.ctx.db.query('select * from calls where id = $1', [call.id]))[0]!;
      expect(ended.status).toBe('voicemail');
      expect(ended.ended_at).not.toBeNull();
    });

    it('refuses unsigned and mis-signed webhooks on every route with 403, writing nothing', async () => {
      const before = await counts();
      const [existing] = await h.ctx.db.query<{ id: string; provider_call_id: string }>(
        'select id, provider_call_id from calls where provider = $1 limit 1',
        [d.name],
      );
      const legsBefore = d.legsCreated();
      for (const step of CALL_WEBHOOK_STEPS) {
        const path = `/api/telephony/${d.name}/${step}?call=${existing?.id ?? randomUUID()}&leg=${randomUUID()}&step=0`;
        const fields = {
          ...d.inbound(d.liveCaller(), '+15551230077'),
          ...d.about(existing?.provider_call_id ?? randomUUID(), { status: 'completed', digits: '1' }),
        };
        for (const forge of ['unsigned', 'wrong-key', 'other'] as const) {
          const res = await d.send(path, fields, forge);
          expect(res.status, `${step} ${forge}`).toBe(403);
        }
      }
      await settleCallWork(h.ctx);
      expect(await counts()).toEqual(before);
      expect(d.legsCreated()).toBe(legsBefore);
    });
  });
}

describe('Vonage token checks', () => {
  it('refuses a token whose iat is older than five minutes', async () => {
    const fields = vonageDriver.inbound(randomUUID(), '+15551230088');
    const body = JSON.stringify(fields);
    const token = vonageToken(VONAGE, body, { iat: Math.floor(Date.now() / 1000) - 600 });
    const res = await h.app.request(`${PUBLIC_URL}/api/telephony/vonage/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    expect(res.status).toBe(403);
  });
});
