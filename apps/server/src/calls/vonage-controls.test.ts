import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer, testSdp, waitFor } from '../../test/calls-helpers.js';
import { FakeVonageApi, type FakeVonageCall } from '../../test/fakes/vonage-api.js';
import type { TestUser } from '../../test/helpers.js';
import {
  testVonageAccount,
  vonageCallFields,
  vonageInboundFields,
  vonageRequest,
} from '../../test/vonage-webhooks.js';
import { saveProviderCredentials } from '../settings/service.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';

/**
 * Hold, cold and warm transfer and silent listening on a call answered at Vonage (docs/CALLS.md,
 * "Call controls on provider calls"), against the local fake Vonage API (test/fakes/vonage-api.ts),
 * which runs NCCOs by Vonage's rules: a conversation action joins the named conversation and
 * starts it (startOnEnter) or waits; a transfer with an inline NCCO takes the leg out of its
 * conversation into the new one; a call created with an inline NCCO runs it on pickup; who hears
 * whom follows the members' conversations and canSpeak/canHear. Every document the router
 * answers is run by the fake as Vonage would run it.
 */

const { credentials: VONAGE, publicKeyPem: VONAGE_PUBLIC_KEY } = testVonageAccount();
const NUMBER = '+15550170001';
const CALLER = '+15551239876';
const SETUP_MS = 20_000;
const TEST_MS = 60_000;
const actor = { pubkey: null, ipHash: null };
const API = '/api/telephony/vonage';

let fake: FakeVonageApi;
const servers: CallServer[] = [];

beforeAll(async () => {
  fake = await FakeVonageApi.start({ applicationId: VONAGE.applicationId, publicKeyPem: VONAGE_PUBLIC_KEY });
});
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.close();
  fake.requests.length = 0;
  fake.clearFaults();
});
afterAll(async () => {
  await fake.close();
});

async function startServer(): Promise<CallServer> {
  const s = await startCallServer({ telephony: { vonage: { apiBaseUrl: fake.baseUrl } } });
  servers.push(s);
  await saveProviderCredentials(s.ctx, actor, 'vonage', { ...VONAGE, phoneNumbers: [NUMBER] });
  return s;
}

/** A signed webhook as Vonage sends it (JSON body, HS256 token binding it). */
const webhook = (url: string, fields: Record<string, unknown>) => fetch(url, vonageRequest(VONAGE, fields));

/** Vonage's event about call `uuid` to the event URL it was created with. */
const event = (call: FakeVonageCall, status: string) =>
  webhook((call.body.event_url as string[])[0]!, vonageCallFields(call.uuid, { status }));

const identity = (s: CallServer, userId: string) => browserIdentityOf(s.ctx.config.serverSecret, userId);

/** The call the hotline created to ring `userId`'s browser. */
const rungCall = (s: CallServer, userId: string) =>
  [...fake.calls.values()].find(
    (c) => (c.body.to as { user?: string }[] | undefined)?.[0]?.user === identity(s, userId),
  ) ?? null;

const creates = (s: CallServer, userId: string) =>
  fake.requests.filter(
    (r) =>
      r.method === 'POST' &&
      r.path === '/v1/calls' &&
      (r.json as { to?: { user?: string }[] }).to?.[0]?.user === identity(s, userId),
  );

const transfersOf = (uuid: string) =>
  fake.requests
    .filter((r) => r.method === 'PUT' && r.path === `/v1/calls/${uuid}`)
    .map((r) => r.json as Record<string, unknown>);

const callRow = async (s: CallServer, callId: string) =>
  (await s.db.query('select * from calls where id = $1', [callId]))[0]!;

const audits = async (s: CallServer, action: string) =>
  s.db.query<{ details: Record<string, unknown> }>('select details from audit_log where action = $1', [
    action,
  ]);

const hold = (s: CallServer, as: TestUser, id: string, onHold: boolean) =>
  s.request('POST', `/api/calls/${id}/hold`, { as, body: { onHold } });

/** Whether the two legs hear each other both ways. */
const talking = (a: string, b: string) => fake.hears(a, b) && fake.hears(b, a);

interface ConnectedCall {
  bea: TestUser;
  cy: TestUser;
  caller: string;
  beaLeg: string;
  callId: string;
  conversation: string;
}

/**
 * A caller reaches the hotline and waits in the call's conversation; Bea (browser, on shift) is
 * rung at her Client SDK user, picks up, and starts the conversation. Cy (browser, free) comes on
 * shift afterwards, so she was never rung for it.
 */
async function connectedCall(s: CallServer): Promise<ConnectedCall> {
  const bea = await s.addUser(['volunteer'], { preference: 'browser' });
  const cy = await s.addUser(['volunteer'], { preference: 'browser' });
  await s.putOnShift([bea.id]);
  const caller = fake.addCall('answered').uuid;
  const inbound = await webhook(`${s.url}${API}/inbound`, vonageInboundFields(caller, CALLER, NUMBER));
  expect(inbound.status).toBe(200);
  const waiting = await inbound.json();
  expect(waiting.at(-1)).toMatchObject({ action: 'conversation', startOnEnter: false });
  expect(waiting.at(-1).endOnExit).toBeUndefined();
  fake.runNcco(caller, waiting);
  const conversation = waiting.at(-1).name as string;
  expect(fake.conversations.get(conversation)!.status).toBe('init');

  const beaCall = await waitFor(() => rungCall(s, bea.id), "Bea's browser rung", SETUP_MS);
  fake.setCallStatus(beaCall.uuid, 'answered');
  // A browser leg is not screened: its pickup takes the call and joins the conversation.
  const screen = await webhook((beaCall.body.answer_url as string[])[0]!, vonageCallFields(beaCall.uuid));
  const joining = await screen.json();
  expect(joining[0]).toEqual({
    action: 'conversation',
    name: conversation,
    startOnEnter: true,
    endOnExit: false,
  });
  fake.runNcco(beaCall.uuid, joining);
  expect(fake.conversations.get(conversation)!.status).toBe('in-progress');
  expect(talking(caller, beaCall.uuid)).toBe(true);
  const [row] = await s.db.query<{ id: string; status: string }>(
    'select id, status from calls where provider_call_id = $1',
    [caller],
  );
  expect(row!.status).toBe('answered');
  expect(conversation).toBe(`call-${row!.id}`);
  await s.putOnShift([bea.id, cy.id]);
  await s.settle();
  return { bea, cy, caller, beaLeg: beaCall.uuid, callId: row!.id, conversation };
}

describe('hold at Vonage', () => {
  it(
    "moves the caller's leg into a hold conversation with the hold prompt, and back; audited",
    async () => {
      const s = await startServer();
      const { bea, cy, caller, beaLeg, callId, conversation } = await connectedCall(s);
      const controls = await s.request('GET', `/api/calls/${callId}/controls`, { as: bea });
      expect(await controls.json()).toEqual({ hold: true, transfer: true, warmTransfer: true });
      expect((await hold(s, cy, callId, true)).status).toBe(403);

      expect(await (await hold(s, bea, callId, true)).json()).toEqual({ onHold: true });
      expect(transfersOf(caller)).toEqual([
        {
          action: 'transfer',
          destination: {
            type: 'ncco',
            ncco: [
              {
                action: 'talk',
                text: expect.stringMatching(/^<speak>.+<\/speak>$/),
                language: expect.stringMatching(/^en/),
              },
              { action: 'conversation', name: `${conversation}-hold`, startOnEnter: false },
            ],
          },
        },
      ]);
      // The caller hears the prompt and nobody; Bea hears nothing; both calls go on.
      expect(fake.call(caller)!.heard.at(-1)).toMatch(/^<speak>.+<\/speak>$/);
      expect(fake.hears(caller, beaLeg) || fake.hears(beaLeg, caller)).toBe(false);
      expect(fake.conversations.get(`${conversation}-hold`)!.status).toBe('init');
      expect(fake.call(caller)!.status).toBe('answered');
      expect(fake.call(beaLeg)!.conversation).toBe(conversation);
      // Again: the state is read from Vonage, nothing changes, nothing more is audited.
      expect((await hold(s, bea, callId, true)).status).toBe(200);
      expect(transfersOf(caller)).toHaveLength(1);

      expect(await (await hold(s, bea, callId, false)).json()).toEqual({ onHold: false });
      expect(transfersOf(caller)[1]).toEqual({
        action: 'transfer',
        destination: {
          type: 'ncco',
          ncco: [{ action: 'conversation', name: conversation, startOnEnter: true, endOnExit: false }],
        },
      });
      expect(talking(caller, beaLeg)).toBe(true);
      expect(await audits(s, 'calls.held')).toHaveLength(1);
      expect((await audits(s, 'calls.resumed')).map((a) => a.details)).toEqual([{ callId }]);
      await s.settle();
    },
    TEST_MS,
  );

  it(
    'a provider failure is a 503 with nothing audited, never a 500; an ended caller a 409',
    async () => {
      const s = await startServer();
      const { bea, caller, beaLeg, callId } = await connectedCall(s);
      fake.failNext({ status: 500, pathIncludes: `/v1/calls/${caller}`, method: 'PUT' });
      expect((await hold(s, bea, callId, true)).status).toBe(503);
      expect(talking(caller, beaLeg)).toBe(true);
      expect(await audits(s, 'calls.held')).toEqual([]);
      // The caller hung up and Vonage's event has not reached the hotline yet: refused, not failed.
      fake.setCallStatus(caller, 'completed');
      expect((await hold(s, bea, callId, true)).status).toBe(409);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('cold transfer at Vonage', () => {
  it(
    "calls the colleague's browser with an NCCO joining the conversation; on pickup the first volunteer is hung up",
    async () => {
      const s = await startServer();
      const { bea, cy, caller, beaLeg, callId, conversation } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const [create] = await waitFor(() => creates(s, cy.id)[0] && creates(s, cy.id), 'Cy rung', SETUP_MS);
      const [cyRow] = await s.db.query<{ id: string }>(
        'select id from call_legs where call_id = $1 and user_id = $2',
        [callId, cy.id],
      );
      expect(create!.json).toEqual({
        to: [{ type: 'app', user: identity(s, cy.id) }],
        from: { type: 'phone', number: NUMBER.slice(1) },
        ncco: [{ action: 'conversation', name: conversation, startOnEnter: true, endOnExit: false }],
        ringing_timeout: 25,
        event_url: [`${s.url}${API}/leg-status?call=${callId}&leg=${cyRow!.id}`],
        event_method: 'POST',
      });
      // While Cy rings the caller is held.
      expect(fake.call(caller)!.conversation).toBe(`${conversation}-hold`);
      const cyCall = rungCall(s, cy.id)!;
      fake.setCallStatus(cyCall.uuid, 'ringing');
      expect((await event(cyCall, 'ringing')).status).toBe(204);
      fake.setCallStatus(cyCall.uuid, 'answered');
      // Vonage reports the pickup to the event URL too; the hand-over is not a race and it changes nothing.
      expect((await event(cyCall, 'answered')).status).toBe(204);
      expect((await transfer).status).toBe(204);

      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id, answered_leg_id: cyRow!.id });
      // Bea was hung up (the conversation went on); the caller is back, with Cy only.
      expect(fake.call(beaLeg)!.status).toBe('completed');
      expect([...fake.conversations.get(conversation)!.members.keys()].sort()).toEqual(
        [caller, cyCall.uuid].sort(),
      );
      expect(talking(caller, cyCall.uuid)).toBe(true);
      expect((await audits(s, 'calls.transferred')).map((a) => a.details)).toEqual([
        { callId, from: bea.id, to: cy.id },
      ]);
      expect(await s.db.query('select 1 from calls where provider_call_id = $1', [cyCall.uuid])).toEqual([]);

      // Bea's leg ending does not end the call; Cy's does: the router hangs up the caller.
      expect(
        (
          await webhook(
            `${s.url}${API}/leg-status?call=${callId}&leg=${(await callLegOf(s, callId, bea.id)).id}`,
            vonageCallFields(beaLeg, { status: 'completed' }),
          )
        ).status,
      ).toBe(204);
      await s.settle();
      expect((await callRow(s, callId)).ended_at).toBeNull();
      fake.setCallStatus(cyCall.uuid, 'completed');
      await event(cyCall, 'completed');
      await waitFor(
        () => fake.call(caller)!.status === 'completed',
        'the caller hung up by the router',
        SETUP_MS,
      );
      await waitFor(async () => (await callRow(s, callId)).ended_at !== null, 'the call ended', SETUP_MS);
      await s.settle();
    },
    TEST_MS,
  );

  it(
    'brings the caller back to the first volunteer when the colleague declines',
    async () => {
      const s = await startServer();
      const { bea, cy, caller, beaLeg, callId, conversation } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const cyCall = await waitFor(() => rungCall(s, cy.id), 'Cy rung', SETUP_MS);
      fake.setCallStatus(cyCall.uuid, 'busy');
      const answer = await transfer;
      expect(answer.status).toBe(409);
      expect((await answer.json()).error).toMatchObject({
        message: expect.stringMatching(/did not pick up/),
        details: { reason: 'not-picked-up' },
      });
      expect(await callRow(s, callId)).toMatchObject({ answered_by: bea.id });
      expect([...fake.conversations.get(conversation)!.members.keys()].sort()).toEqual(
        [beaLeg, caller].sort(),
      );
      expect(talking(caller, beaLeg)).toBe(true);
      expect(await audits(s, 'calls.transferred')).toEqual([]);
      await event(cyCall, 'busy');
      await s.settle();
      expect((await callRow(s, callId)).ended_at).toBeNull();
    },
    TEST_MS,
  );

  it(
    'says the caller hung up when they leave while the colleague rings; the ringing stops',
    async () => {
      const s = await startServer();
      const { bea, cy, caller, callId } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const cyCall = await waitFor(() => rungCall(s, cy.id), 'Cy rung', SETUP_MS);
      fake.setCallStatus(cyCall.uuid, 'ringing');
      fake.setCallStatus(caller, 'completed');
      const answer = await transfer;
      expect(answer.status).toBe(409);
      expect((await answer.json()).error).toMatchObject({
        message: 'the caller hung up before your colleague picked up',
        details: { reason: 'caller-hung-up' },
      });
      expect(fake.call(cyCall.uuid)!.status).toBe('cancelled');
      expect(await audits(s, 'calls.transferred')).toEqual([]);
      await webhook(`${s.url}${API}/status`, vonageCallFields(caller, { status: 'completed' }));
      await waitFor(async () => (await callRow(s, callId)).ended_at !== null, 'the call ended', SETUP_MS);
      expect((await hold(s, bea, callId, true)).status).toBe(409);
      await s.settle();
    },
    TEST_MS,
  );
});

async function callLegOf(s: CallServer, callId: string, userId: string) {
  const [leg] = await s.db.query<{ id: string }>(
    'select id from call_legs where call_id = $1 and user_id = $2 order by created_at limit 1',
    [callId, userId],
  );
  return leg!;
}

describe('warm transfer at Vonage', () => {
  it(
    'holds the caller at Vonage while the two talk; the hand-over calls the colleague in',
    async () => {
      const s = await startServer();
      const { bea, cy, caller, beaLeg, callId, conversation } = await connectedCall(s);
      const post = (as: TestUser, path: string, body?: unknown) =>
        s.request('POST', `/api/calls/${callId}/warm-transfer${path}`, { as, body });
      expect((await post(bea, '', { to: cy.id, sdp: testSdp('consult') })).status).toBe(204);
      expect(fake.call(caller)!.conversation).toBe(`${conversation}-hold`);
      expect((await post(cy, '/accept', { sdp: testSdp('consult-answer') })).status).toBe(204);
      const handOver = post(bea, '/hand-over');
      const cyCall = await waitFor(() => rungCall(s, cy.id), 'Cy rung', SETUP_MS);
      fake.setCallStatus(cyCall.uuid, 'answered');
      expect((await handOver).status).toBe(204);
      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id });
      expect(fake.call(beaLeg)!.status).toBe('completed');
      expect(talking(caller, cyCall.uuid)).toBe(true);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('silent supervision at Vonage', () => {
  it(
    "calls the admin's browser into the conversation heard by nobody; stop hangs it up",
    async () => {
      const s = await startServer();
      const { bea, caller, beaLeg, callId, conversation } = await connectedCall(s);
      await s.setSettings((x) => ({ ...x, calls: { ...x.calls, silentSupervision: true } }));
      const ada = await s.addUser(['admin'], { preference: 'browser' });
      const live = await (await s.request('GET', '/api/calls/supervision/live', { as: ada })).json();
      expect(live.calls).toEqual([expect.objectContaining({ callId, throughProvider: 'vonage' })]);

      const listen = s.request('POST', `/api/calls/${callId}/supervision/phone`, { as: ada });
      const [create] = await waitFor(() => creates(s, ada.id)[0] && creates(s, ada.id), 'Ada rung', SETUP_MS);
      // No event URL: a listener is no leg of the call, the router hears nothing of it.
      expect(create!.json).toEqual({
        to: [{ type: 'app', user: identity(s, ada.id) }],
        from: { type: 'phone', number: NUMBER.slice(1) },
        ncco: [
          { action: 'conversation', name: conversation, startOnEnter: false, endOnExit: false, canSpeak: [] },
        ],
        ringing_timeout: 20,
      });
      const adaLeg = rungCall(s, ada.id)!.uuid;
      fake.setCallStatus(adaLeg, 'answered');
      expect((await listen).status).toBe(204);
      expect(fake.hears(adaLeg, caller) && fake.hears(adaLeg, beaLeg)).toBe(true);
      expect(fake.hears(caller, adaLeg) || fake.hears(beaLeg, adaLeg)).toBe(false);
      expect(talking(caller, beaLeg)).toBe(true);
      const request = await s.request('GET', `/api/calls/${callId}/supervision/request`, { as: bea });
      expect(await request.json()).toMatchObject({ listening: true, offer: null });

      expect((await s.request('POST', `/api/calls/${callId}/supervision/stop`, { as: ada })).status).toBe(
        204,
      );
      expect(fake.call(adaLeg)!.status).toBe('completed');
      // The listener leaving ends nothing.
      expect([...fake.conversations.get(conversation)!.members.keys()].sort()).toEqual(
        [beaLeg, caller].sort(),
      );
      expect(talking(caller, beaLeg)).toBe(true);
      expect((await audits(s, 'calls.supervision-started')).map((a) => a.details)).toEqual([{ callId }]);
      expect((await audits(s, 'calls.supervision-stopped')).map((a) => a.details)).toEqual([{ callId }]);
      await s.settle();
    },
    TEST_MS,
  );
});
