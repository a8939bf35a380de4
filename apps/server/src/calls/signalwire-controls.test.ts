import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer, testSdp, waitFor } from '../../test/calls-helpers.js';
import type { TestUser } from '../../test/helpers.js';
import { callerOnTheLine, twilioWebhook } from '../../test/twilio-webhooks.js';
import { saveProviderCredentials } from '../settings/service.js';
import { parseTwiml, type Verb } from '../simulator/twiml.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import { startFakeSignalWireApi } from '../telephony/simulator/fake-signalwire-api.js';
import type { FakeTwilioApi, RecordedRequest } from '../telephony/simulator/fake-twilio-api.js';
import type { FakeConference } from '../telephony/simulator/fake-twilio-state.js';

/**
 * Hold, cold and warm transfer and silent listening on a call answered at SignalWire
 * (docs/CALLS.md, "Call controls on provider calls"), against the fake Twilio API playing
 * SignalWire's compatibility API (fake-signalwire-api.ts: UUIDs, no Participants create, no
 * EndConferenceOnExit in a participant update, "in-progress" participants). Every document is
 * read as SignalWire would: each <Dial><Conference> joins the conference with its attributes,
 * including the inline document a dialled-in browser's call carries.
 */

const SIGNALWIRE = {
  projectId: randomUUID(),
  apiToken: `PT${randomBytes(12).toString('hex')}`,
  spaceUrl: 'https://example-hotline.signalwire.com',
  signingKey: randomBytes(16).toString('hex'),
};
const NUMBER = '+15550169001';
const actor = { pubkey: null, ipHash: null };
/** Setting up the answered call takes several round trips; on a loaded machine more than waitFor's 10 s. */
const SETUP_MS = 30_000;
/** A whole test: the setup above plus the steps, under the same load. */
const TEST_MS = 90_000;
const API = '/api/telephony/signalwire';
let fake: FakeTwilioApi;
const servers: CallServer[] = [];

beforeAll(async () => {
  fake = await startFakeSignalWireApi(SIGNALWIRE);
});
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.close();
  fake.requests.length = 0;
});
afterAll(async () => {
  await fake.close();
});

const verto = (s: CallServer, userId: string) =>
  `verto:${browserIdentityOf(s.ctx.config.serverSecret, userId)}@example-hotline.verto.signalwire.com`;

/** The <Conference> a document dials into, with the flags SignalWire reads from it. */
function conferenceIn(xml: string): { name: string; attributes: Record<string, string> } {
  const dial = parseTwiml(xml).find((v) => v.name === 'Dial');
  const conference = dial?.children.find((c: Verb) => c.name === 'Conference');
  if (!conference) throw new Error(`no <Dial><Conference> in ${xml}`);
  return { name: conference.text, attributes: conference.attributes };
}

/** What SignalWire does with a document's <Dial><Conference>: the call joins as the attributes say. */
function runConference(xml: string, callSid: string): FakeConference {
  const { name, attributes } = conferenceIn(xml);
  expect(attributes.beep).toBe('false');
  return fake.state.joinConference(name, callSid, {
    startConferenceOnEnter: attributes.startConferenceOnEnter === 'true',
    endConferenceOnExit: attributes.endConferenceOnExit === 'true',
    muted: attributes.muted === 'true',
  });
}

const field = (r: RecordedRequest, name: string) => r.form.filter(([k]) => k === name).map(([, v]) => v);
/** The call created to ring `to` with an inline document (a browser dialled into the call). */
const dialledIn = (to: string) =>
  fake.requests.find(
    (r) =>
      r.method === 'POST' &&
      r.path.endsWith('/Calls.json') &&
      field(r, 'To')[0] === to &&
      field(r, 'Twiml')[0],
  ) ?? null;
const callTo = (to: string) => fake.calls.find((c) => c.to === to)!.sid;

async function startSignalWireServer(): Promise<CallServer> {
  const s = await startCallServer({ telephony: { signalwire: { apiBaseUrl: fake.baseUrl } } });
  servers.push(s);
  await saveProviderCredentials(s.ctx, actor, 'signalwire', { ...SIGNALWIRE, phoneNumbers: [NUMBER] });
  return s;
}

const callRow = async (s: CallServer, callId: string) =>
  (await s.db.query('select * from calls where id = $1', [callId]))[0]!;
const audits = async (s: CallServer, action: string) =>
  s.db.query<{ details: Record<string, unknown> }>('select details from audit_log where action = $1', [
    action,
  ]);
/** A signed webhook as SignalWire sends it (the Twilio construction under the signing key). */
const webhook = (s: CallServer, path: string, params: Record<string, string>) =>
  twilioWebhook(s.url, path, params, SIGNALWIRE.signingKey);
const legStatus = (s: CallServer, callSid: string, CallStatus: string) =>
  webhook(s, fake.call(callSid)!.statusCallback!, { CallSid: callSid, CallStatus });

/**
 * A caller reaches the SignalWire number and waits in the call's conference; Bea (browser, on
 * shift) is rung at her Verto address, picks up, and starts the conference. Cy (browser, free)
 * comes on shift afterwards, so she was never rung for it.
 */
async function connectedCall(s: CallServer) {
  const bea = await s.addUser(['volunteer'], { preference: 'browser' });
  const cy = await s.addUser(['volunteer'], { preference: 'browser' });
  await s.putOnShift([bea.id]);
  const caller = callerOnTheLine(fake, NUMBER, '+15551239876');
  const inbound = await webhook(s, `${API}/inbound`, {
    CallSid: caller.sid,
    From: caller.from,
    To: NUMBER,
    CallStatus: 'ringing',
  });
  expect(inbound.status).toBe(200);
  expect(conferenceIn(inbound.body).attributes).toMatchObject({
    startConferenceOnEnter: 'false',
    endConferenceOnExit: 'true',
    waitMethod: 'POST',
  });
  const waiting = runConference(inbound.body, caller.sid);
  const beaLeg = await waitFor(
    () => fake.calls.find((c) => c.to === verto(s, bea.id)) ?? null,
    "Bea's browser rung",
    SETUP_MS,
  );
  fake.setCallStatus(beaLeg.sid, 'in-progress');
  const screen = await webhook(s, beaLeg.url, { CallSid: beaLeg.sid });
  // SignalWire cannot change a participant's EndConferenceOnExit later: the volunteer never ends it.
  expect(conferenceIn(screen.body).attributes).toMatchObject({
    startConferenceOnEnter: 'true',
    endConferenceOnExit: 'false',
  });
  const conference = runConference(screen.body, beaLeg.sid);
  expect(conference).toBe(waiting);
  expect(conference.status).toBe('in-progress');
  const [row] = await s.db.query<{ id: string; status: string }>(
    'select id, status from calls where provider_call_id = $1',
    [caller.sid],
  );
  expect(row!.status).toBe('answered');
  await s.putOnShift([bea.id, cy.id]);
  await s.settle();
  return { bea, cy, caller: caller.sid, beaLeg: beaLeg.sid, callId: row!.id, conference };
}

const hold = (s: CallServer, as: TestUser, id: string, onHold: boolean) =>
  s.request('POST', `/api/calls/${id}/hold`, { as, body: { onHold } });

describe('hold at SignalWire', () => {
  it(
    "holds the caller's participant with the wait document as hold audio, and resumes; audited",
    async () => {
      const s = await startSignalWireServer();
      const { bea, cy, caller, callId, conference } = await connectedCall(s);
      const controls = await s.request('GET', `/api/calls/${callId}/controls`, { as: bea });
      expect(await controls.json()).toEqual({ hold: true, transfer: true, warmTransfer: true });
      expect((await hold(s, cy, callId, true)).status).toBe(403);

      expect(await (await hold(s, bea, callId, true)).json()).toEqual({ onHold: true });
      const participant = conference.participants.get(caller)!;
      const holdUrl = `${s.url}${API}/wait?call=${callId}`;
      expect(participant.updates).toEqual([
        [
          ['Hold', 'true'],
          ['HoldUrl', holdUrl],
          ['HoldMethod', 'POST'],
        ],
      ]);
      expect(fake.requests.at(-1)!.path).toBe(
        `/api/laml/2010-04-01/Accounts/${SIGNALWIRE.projectId}/Conferences/${conference.sid}/Participants/${caller}.json`,
      );
      // What SignalWire plays the held caller: the wait document, signed under the signing key.
      const music = await webhook(s, holdUrl, { CallSid: caller });
      expect(parseTwiml(music.body).map((v) => v.name)).toEqual(['Say', 'Pause']);
      expect((await hold(s, bea, callId, true)).status).toBe(200);
      expect(participant.updates).toHaveLength(1);

      expect(await (await hold(s, bea, callId, false)).json()).toEqual({ onHold: false });
      expect(participant).toMatchObject({ hold: false, holdUrl: null });
      expect(await audits(s, 'calls.held')).toHaveLength(1);
      expect(await audits(s, 'calls.resumed')).toHaveLength(1);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('cold transfer at SignalWire', () => {
  it(
    "rings the colleague's browser with a document joining the conference; on pickup the first volunteer leaves",
    async () => {
      const s = await startSignalWireServer();
      const { bea, cy, caller, beaLeg, callId, conference } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const create = await waitFor(() => dialledIn(verto(s, cy.id)), 'Cy rung', SETUP_MS);
      const [cyRow] = await s.db.query<{ id: string }>(
        'select id from call_legs where call_id = $1 and user_id = $2',
        [callId, cy.id],
      );
      expect(Object.fromEntries(create.form.filter(([k]) => k !== 'StatusCallbackEvent'))).toEqual({
        From: NUMBER,
        To: verto(s, cy.id),
        Timeout: '25',
        Twiml:
          '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Conference beep="false" startConferenceOnEnter="true" ' +
          `endConferenceOnExit="false" muted="false">call-${callId}</Conference></Dial><Hangup/></Response>`,
        StatusCallback: `${s.url}${API}/leg-status?call=${callId}&leg=${cyRow!.id}`,
        StatusCallbackMethod: 'POST',
      });
      // Its pickup is not a leg event (no "answered"): the request that rang learns it from SignalWire.
      expect(field(create, 'StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'completed']);
      expect(conference.participants.get(caller)!.hold).toBe(true);
      const cyLeg = callTo(verto(s, cy.id));
      expect((await legStatus(s, cyLeg, 'ringing')).status).toBe(200);
      fake.setCallStatus(cyLeg, 'in-progress');
      runConference(field(create, 'Twiml')[0]!, cyLeg);
      expect((await transfer).status).toBe(204);

      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id, answered_leg_id: cyRow!.id });
      // Bea was removed (her call ended, the caller's did not); the caller is back, with Cy.
      expect([...conference.participants.keys()].sort()).toEqual([caller, cyLeg].sort());
      expect(fake.call(beaLeg)!.status).toBe('completed');
      expect(conference.participants.get(caller)!.hold).toBe(false);
      expect(
        fake.requests
          .filter((r) => r.method === 'POST' && r.path.includes('/Participants'))
          .flatMap((r) => r.form),
      ).not.toContainEqual(expect.arrayContaining(['EndConferenceOnExit']));
      expect((await audits(s, 'calls.transferred')).map((a) => a.details)).toEqual([
        { callId, from: bea.id, to: cy.id },
      ]);

      // Bea's leg ending does not end the call; Cy's does: the router hangs up the caller.
      await legStatus(s, beaLeg, 'completed');
      await s.settle();
      expect((await callRow(s, callId)).ended_at).toBeNull();
      fake.setCallStatus(cyLeg, 'completed');
      expect(conference.status).toBe('in-progress');
      await legStatus(s, cyLeg, 'completed');
      await waitFor(
        () => fake.call(caller)!.status === 'completed',
        'the caller hung up by the router',
        SETUP_MS,
      );
      expect((await callRow(s, callId)).ended_at).not.toBeNull();
      expect(conference.status).toBe('completed');
      await s.settle();
    },
    TEST_MS,
  );

  it(
    'brings the caller back to the first volunteer when the colleague declines',
    async () => {
      const s = await startSignalWireServer();
      const { bea, cy, caller, beaLeg, callId, conference } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      await waitFor(() => dialledIn(verto(s, cy.id)), 'Cy rung', SETUP_MS);
      const cyLeg = callTo(verto(s, cy.id));
      fake.setCallStatus(cyLeg, 'busy');
      const answer = await transfer;
      expect(answer.status).toBe(409);
      expect((await answer.json()).error).toMatchObject({
        message: expect.stringMatching(/did not pick up/),
        details: { reason: 'not-picked-up' },
      });
      expect(await callRow(s, callId)).toMatchObject({ answered_by: bea.id });
      expect([...conference.participants.keys()].sort()).toEqual([beaLeg, caller].sort());
      expect(conference.participants.get(caller)!.hold).toBe(false);
      expect(await audits(s, 'calls.transferred')).toEqual([]);
      await legStatus(s, cyLeg, 'busy');
      await s.settle();
      expect((await callRow(s, callId)).ended_at).toBeNull();
    },
    TEST_MS,
  );

  it(
    'says the caller hung up when they leave while the colleague rings; the ringing stops',
    async () => {
      const s = await startSignalWireServer();
      const { bea, cy, caller, beaLeg, callId, conference } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      await waitFor(() => dialledIn(verto(s, cy.id)), 'Cy rung', SETUP_MS);
      const cyLeg = callTo(verto(s, cy.id));
      fake.setCallStatus(cyLeg, 'ringing');
      // The caller leaving ends the conference (and Bea's call with it); Cy's call is no participant yet.
      fake.setCallStatus(caller, 'completed');
      expect(conference.status).toBe('completed');
      expect(fake.call(beaLeg)!.status).toBe('completed');
      const answer = await transfer;
      expect(answer.status).toBe(409);
      expect((await answer.json()).error).toMatchObject({
        message: 'the caller hung up before your colleague picked up',
        details: { reason: 'caller-hung-up' },
      });
      expect(fake.call(cyLeg)!.status).toBe('canceled');
      expect(await audits(s, 'calls.transferred')).toEqual([]);
      await webhook(s, `${API}/status`, { CallSid: caller, CallStatus: 'completed' });
      await waitFor(async () => (await callRow(s, callId)).ended_at !== null, 'the call ended', SETUP_MS);
      expect((await hold(s, bea, callId, true)).status).toBe(409);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('warm transfer at SignalWire', () => {
  it(
    'holds the caller at SignalWire while the two talk; the hand-over rings the colleague in',
    async () => {
      const s = await startSignalWireServer();
      const { bea, cy, caller, callId, conference } = await connectedCall(s);
      const post = (as: TestUser, path: string, body?: unknown) =>
        s.request('POST', `/api/calls/${callId}/warm-transfer${path}`, { as, body });
      expect((await post(bea, '', { to: cy.id, sdp: testSdp('consult') })).status).toBe(204);
      expect(conference.participants.get(caller)!.hold).toBe(true);
      expect((await post(cy, '/accept', { sdp: testSdp('consult-answer') })).status).toBe(204);
      const handOver = post(bea, '/hand-over');
      const create = await waitFor(() => dialledIn(verto(s, cy.id)), 'Cy rung', SETUP_MS);
      const cyLeg = callTo(verto(s, cy.id));
      fake.setCallStatus(cyLeg, 'in-progress');
      runConference(field(create, 'Twiml')[0]!, cyLeg);
      expect((await handOver).status).toBe(204);
      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id });
      expect([...conference.participants.keys()].sort()).toEqual([caller, cyLeg].sort());
      expect(conference.participants.get(caller)!.hold).toBe(false);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('silent supervision at SignalWire', () => {
  it(
    "rings the admin's browser with a muted document joining the conference; stop hangs it up",
    async () => {
      const s = await startSignalWireServer();
      const { bea, caller, beaLeg, callId, conference } = await connectedCall(s);
      await s.setSettings((x) => ({ ...x, calls: { ...x.calls, silentSupervision: true } }));
      const ada = await s.addUser(['admin'], { preference: 'browser' });
      const live = await (await s.request('GET', '/api/calls/supervision/live', { as: ada })).json();
      expect(live.calls).toEqual([expect.objectContaining({ callId, throughProvider: 'signalwire' })]);

      const listen = s.request('POST', `/api/calls/${callId}/supervision/phone`, { as: ada });
      const create = await waitFor(() => dialledIn(verto(s, ada.id)), 'Ada rung', SETUP_MS);
      const document = field(create, 'Twiml')[0]!;
      expect(conferenceIn(document).attributes).toMatchObject({
        muted: 'true',
        endConferenceOnExit: 'false',
      });
      // A listener is no leg of the call: SignalWire tells nothing about it to the router.
      expect(field(create, 'StatusCallback')).toEqual([]);
      const adaLeg = callTo(verto(s, ada.id));
      fake.setCallStatus(adaLeg, 'in-progress');
      runConference(document, adaLeg);
      expect((await listen).status).toBe(204);
      expect(conference.participants.get(adaLeg)).toMatchObject({ muted: true, status: 'connected' });
      const request = await s.request('GET', `/api/calls/${callId}/supervision/request`, { as: bea });
      expect(await request.json()).toMatchObject({ listening: true, offer: null });

      expect((await s.request('POST', `/api/calls/${callId}/supervision/stop`, { as: ada })).status).toBe(
        204,
      );
      expect(fake.call(adaLeg)!.status).toBe('completed');
      expect([...conference.participants.keys()].sort()).toEqual([beaLeg, caller].sort());
      expect(conference.status).toBe('in-progress');
      await s.settle();
    },
    TEST_MS,
  );
});
