import { describe, expect, it } from 'vitest';
import { type CallServer, waitFor } from '../../test/calls-helpers.js';
import {
  audits,
  type ConferenceControls,
  type ConferenceView,
  type ConnectedCall,
  callRow,
  conferenceControlsOf,
  hold,
  legIdOf,
} from '../../test/conference-controls.js';
import { FakeVonageApi, type FakeVonageCall, type FakeVonageRequest } from '../../test/fakes/vonage-api.js';
import {
  testVonageAccount,
  vonageCallFields,
  vonageInboundFields,
  vonageRequest,
} from '../../test/vonage-webhooks.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';

/**
 * Hold, cold and warm transfer and silent listening on a call answered at Vonage (docs/CALLS.md,
 * "Call controls on provider calls"), against the local fake Vonage API (test/fakes/vonage-api.ts),
 * which runs NCCOs by Vonage's rules: a conversation action joins the named conversation and
 * starts it (startOnEnter) or waits; a transfer with an inline NCCO takes the leg out of its
 * conversation into the new one; a call created with an inline NCCO runs it on pickup; who hears
 * whom follows the members' conversations and canSpeak/canHear. Every document the router
 * answers is run by the fake as Vonage would run it. The declined hand-over, the warm hand-over
 * and the silent listening are the shared tests of test/conference-controls.ts.
 */

const { credentials: VONAGE, publicKeyPem: VONAGE_PUBLIC_KEY } = testVonageAccount();
const NUMBER = '+15550170001';
const CALLER = '+15551239876';
const SETUP_MS = 20_000;
const TEST_MS = 60_000;
const API = '/api/telephony/vonage';

/** A signed webhook as Vonage sends it (JSON body, HS256 token binding it). */
const webhook = (url: string, fields: Record<string, unknown>) => fetch(url, vonageRequest(VONAGE, fields));

/** Vonage's event about call `uuid` to the event URL it was created with. */
const event = (call: FakeVonageCall, status: string) =>
  webhook((call.body.event_url as string[])[0]!, vonageCallFields(call.uuid, { status }));

const identity = (s: CallServer, userId: string) => browserIdentityOf(s.ctx.config.serverSecret, userId);

/** The call the hotline created to ring `userId`'s browser. */
const rungCall = (s: CallServer, userId: string): FakeVonageCall | null =>
  [...h.fake.calls.values()].find(
    (c) => (c.body.to as { user?: string }[] | undefined)?.[0]?.user === identity(s, userId),
  ) ?? null;

const creates = (s: CallServer, userId: string): FakeVonageRequest[] =>
  h.fake.requests.filter(
    (r) =>
      r.method === 'POST' &&
      r.path === '/v1/calls' &&
      (r.json as { to?: { user?: string }[] }).to?.[0]?.user === identity(s, userId),
  );

const transfersOf = (uuid: string): Record<string, unknown>[] =>
  h.fake.requests
    .filter((r) => r.method === 'PUT' && r.path === `/v1/calls/${uuid}`)
    .map((r) => r.json as Record<string, unknown>);

/** Whether the two legs hear each other both ways. */
const talking = (a: string, b: string): boolean => h.fake.hears(a, b) && h.fake.hears(b, a);

/**
 * The call's conversation as the shared tests read a conference: its members, and the caller
 * as held while their call is up but out of it (in the hold conversation); a member heard by
 * nobody (canSpeak []) is muted.
 */
function conversationView(fake: FakeVonageApi, name: string, caller: string): ConferenceView {
  return {
    get status() {
      return fake.conversations.get(name)?.status ?? 'init';
    },
    get participants() {
      const members = fake.conversations.get(name)?.members ?? new Map();
      const view = new Map(
        [...members].map(([leg, m]) => [
          leg,
          { hold: false, muted: m.canSpeak?.length === 0, status: 'connected' },
        ]),
      );
      const call = fake.call(caller);
      if (call?.status === 'answered' && call.conversation !== name)
        view.set(caller, { hold: true, muted: false, status: 'connected' });
      return view;
    },
  };
}

/**
 * A caller reaches the hotline and waits in the call's conversation; Bea (browser, on shift) is
 * rung at her Client SDK user, picks up, and starts the conversation. Cy (browser, free) comes on
 * shift afterwards, so she was never rung for it.
 */
async function answeredCall(s: CallServer, fake: FakeVonageApi): Promise<ConnectedCall<ConferenceView>> {
  const bea = await s.addUser(['volunteer'], { preference: 'browser' });
  const cy = await s.addUser(['volunteer'], { preference: 'browser' });
  await s.putOnShift([bea.id]);
  const caller = fake.addCall('answered').uuid;
  const inbound = await webhook(`${s.url}${API}/inbound`, vonageInboundFields(caller, CALLER, NUMBER));
  expect(inbound.status).toBe(200);
  const waiting = await inbound.json();
  // Queued, the caller hears the hold prompt, then the hotline's hold music until a volunteer joins.
  expect(waiting.at(-1)).toMatchObject({
    action: 'conversation',
    startOnEnter: false,
    musicOnHoldUrl: [`${s.url}/api/telephony/hold-music.wav`],
  });
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
  const view = conversationView(fake, conversation, caller);
  return { bea, cy, caller, beaLeg: beaCall.uuid, callId: row!.id, conference: view };
}

const h: ConferenceControls<FakeVonageApi, ConferenceView> = conferenceControlsOf({
  id: 'vonage',
  credentials: VONAGE,
  number: NUMBER,
  signingSecret: VONAGE.signatureSecret,
  startFake: () =>
    FakeVonageApi.start({ applicationId: VONAGE.applicationId, publicKeyPem: VONAGE_PUBLIC_KEY }),
  ringsBrowserOf: (s, userId, to) => to === identity(s, userId),
  // Nobody joins with endOnExit (ncco.ts): the router hangs up the caller when the volunteer leaves.
  volunteerEndsConference: false,
  // A listener joins with an empty canSpeak list: heard by nobody.
  readsMuted: true,
  answeredCall,
  legStatus: (_s, leg, status) => event(h.fake.call(leg)!, status),
  statusCallbacksOf: (create) => (create.json as { event_url?: unknown[] }).event_url ?? [],
  colleagueRung: async (s, _call, userId) =>
    (await waitFor(() => rungCall(s, userId), 'Cy rung', SETUP_MS)).uuid,
  // Vonage runs the inline NCCO of the call on pickup: the colleague joins the conversation.
  colleaguePicksUp: (_s, _userId, leg) => h.fake.setCallStatus(leg, 'answered'),
  // Vonage calls a listener with an inline NCCO joining the conversation heard by nobody.
  listenerRung: async (s, { callId }, userId) => {
    const [create] = await waitFor(() => creates(s, userId)[0] && creates(s, userId), 'Ada rung', SETUP_MS);
    expect(create!.json).toEqual({
      to: [{ type: 'app', user: identity(s, userId) }],
      from: { type: 'phone', number: NUMBER.slice(1) },
      ncco: [
        {
          action: 'conversation',
          name: `call-${callId}`,
          startOnEnter: false,
          endOnExit: false,
          canSpeak: [],
        },
      ],
      ringing_timeout: 20,
    });
    return { create: create!, leg: rungCall(s, userId)!.uuid };
  },
  setupMs: SETUP_MS,
  testMs: TEST_MS,
});
const { startServer, connectedCall } = h;

describe('hold at Vonage', () => {
  it(
    "moves the caller's leg into a hold conversation with the hold prompt, and back; audited",
    async () => {
      const s = await startServer();
      const { bea, cy, caller, beaLeg, callId } = await connectedCall(s);
      const conversation = `call-${callId}`;
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
              {
                action: 'conversation',
                name: `${conversation}-hold`,
                startOnEnter: false,
                musicOnHoldUrl: [`${s.url}/api/telephony/hold-music.wav`],
              },
            ],
          },
        },
      ]);
      // The caller hears the prompt, then the hold music, and nobody; Bea hears nothing; both calls go on.
      expect(h.fake.call(caller)!.heard.at(-1)).toMatch(/^<speak>.+<\/speak>$/);
      expect(h.fake.hears(caller, beaLeg) || h.fake.hears(beaLeg, caller)).toBe(false);
      expect(h.fake.conversations.get(`${conversation}-hold`)!.status).toBe('init');
      expect(h.fake.call(caller)!.status).toBe('answered');
      expect(h.fake.call(beaLeg)!.conversation).toBe(conversation);
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
      h.fake.failNext({ status: 500, pathIncludes: `/v1/calls/${caller}`, method: 'PUT' });
      expect((await hold(s, bea, callId, true)).status).toBe(503);
      expect(talking(caller, beaLeg)).toBe(true);
      expect(await audits(s, 'calls.held')).toEqual([]);
      // The caller hung up and Vonage's event has not reached the hotline yet: refused, not failed.
      h.fake.setCallStatus(caller, 'completed');
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
      const { bea, cy, caller, beaLeg, callId } = await connectedCall(s);
      const conversation = `call-${callId}`;
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const [create] = await waitFor(() => creates(s, cy.id)[0] && creates(s, cy.id), 'Cy rung', SETUP_MS);
      const cyLegId = await legIdOf(s, callId, cy.id);
      expect(create!.json).toEqual({
        to: [{ type: 'app', user: identity(s, cy.id) }],
        from: { type: 'phone', number: NUMBER.slice(1) },
        ncco: [{ action: 'conversation', name: conversation, startOnEnter: true, endOnExit: false }],
        ringing_timeout: 25,
        event_url: [`${s.url}${API}/leg-status?call=${callId}&leg=${cyLegId}`],
        event_method: 'POST',
      });
      // While Cy rings the caller is held.
      expect(h.fake.call(caller)!.conversation).toBe(`${conversation}-hold`);
      const cyCall = rungCall(s, cy.id)!;
      h.fake.setCallStatus(cyCall.uuid, 'ringing');
      expect((await event(cyCall, 'ringing')).status).toBe(204);
      h.fake.setCallStatus(cyCall.uuid, 'answered');
      // Vonage reports the pickup to the event URL too; the hand-over is not a race and it changes nothing.
      expect((await event(cyCall, 'answered')).status).toBe(204);
      expect((await transfer).status).toBe(204);

      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id, answered_leg_id: cyLegId });
      // Bea was hung up (the conversation went on); the caller is back, with Cy only.
      expect(h.fake.call(beaLeg)!.status).toBe('completed');
      expect([...h.fake.conversations.get(conversation)!.members.keys()].sort()).toEqual(
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
            `${s.url}${API}/leg-status?call=${callId}&leg=${await legIdOf(s, callId, bea.id)}`,
            vonageCallFields(beaLeg, { status: 'completed' }),
          )
        ).status,
      ).toBe(204);
      await s.settle();
      expect((await callRow(s, callId)).ended_at).toBeNull();
      h.fake.setCallStatus(cyCall.uuid, 'completed');
      await event(cyCall, 'completed');
      await waitFor(
        () => h.fake.call(caller)!.status === 'completed',
        'the caller hung up by the router',
        SETUP_MS,
      );
      await waitFor(async () => (await callRow(s, callId)).ended_at !== null, 'the call ended', SETUP_MS);
      await s.settle();
    },
    TEST_MS,
  );

  h.itBringsTheCallerBackWhenTheColleagueDeclines();

  it(
    'says the caller hung up when they leave while the colleague rings; the ringing stops',
    async () => {
      const s = await startServer();
      const { bea, cy, caller, callId } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const cyCall = await waitFor(() => rungCall(s, cy.id), 'Cy rung', SETUP_MS);
      h.fake.setCallStatus(cyCall.uuid, 'ringing');
      h.fake.setCallStatus(caller, 'completed');
      const answer = await transfer;
      expect(answer.status).toBe(409);
      expect((await answer.json()).error).toMatchObject({
        message: 'the caller hung up before your colleague picked up',
        details: { reason: 'caller-hung-up' },
      });
      expect(h.fake.call(cyCall.uuid)!.status).toBe('cancelled');
      expect(await audits(s, 'calls.transferred')).toEqual([]);
      await webhook(`${s.url}${API}/status`, vonageCallFields(caller, { status: 'completed' }));
      await waitFor(async () => (await callRow(s, callId)).ended_at !== null, 'the call ended', SETUP_MS);
      expect((await hold(s, bea, callId, true)).status).toBe(409);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('warm transfer at Vonage', () => {
  h.itHandsOverAfterTheConsultation(
    'holds the caller at Vonage while the two talk; the hand-over calls the colleague in',
  );
});

describe('silent supervision at Vonage', () => {
  h.itLetsAnAdminListenSilently(
    "calls the admin's browser into the conversation with an NCCO heard by nobody; stop hangs it up",
  );

  it(
    'the listener hears the caller and the volunteer; neither hears the listener',
    async () => {
      const s = await startServer();
      const { caller, beaLeg, callId } = await connectedCall(s);
      await s.setSettings((x) => ({ ...x, calls: { ...x.calls, silentSupervision: true } }));
      const ada = await s.addUser(['admin'], { preference: 'browser' });
      const listen = s.request('POST', `/api/calls/${callId}/supervision/phone`, { as: ada });
      const adaLeg = (await waitFor(() => rungCall(s, ada.id), 'Ada rung', SETUP_MS)).uuid;
      h.fake.setCallStatus(adaLeg, 'answered');
      expect((await listen).status).toBe(204);
      expect(h.fake.hears(adaLeg, caller) && h.fake.hears(adaLeg, beaLeg)).toBe(true);
      expect(h.fake.hears(caller, adaLeg) || h.fake.hears(beaLeg, adaLeg)).toBe(false);
      expect(talking(caller, beaLeg)).toBe(true);
      await s.settle();
    },
    TEST_MS,
  );
});
