import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer, testSdp, waitFor } from '../../test/calls-helpers.js';
import type { TestUser } from '../../test/helpers.js';
import { callerOnTheLine, twilioWebhook } from '../../test/twilio-webhooks.js';
import { saveProviderCredentials } from '../settings/service.js';
import { parseTwiml, type Verb } from '../simulator/twiml.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import { FakeTwilioApi, type RecordedRequest } from '../telephony/simulator/fake-twilio-api.js';
import type { FakeConference } from '../telephony/simulator/fake-twilio-state.js';

/**
 * Hold, cold and warm transfer and silent listening on a call answered at Twilio (docs/CALLS.md,
 * "Call controls on provider calls"), against the local fake Twilio API, which keeps conferences
 * and participants by Twilio's rules (a participant that ends the conference on exit ends it for
 * everyone). The caller's and volunteer's documents are read as Twilio would: each <Dial>
 * <Conference> joins the conference with the attributes it carries.
 */

const TWILIO = {
  accountSid: `AC${randomBytes(16).toString('hex')}`,
  authToken: randomBytes(16).toString('hex'),
  apiKeySid: `SK${randomBytes(16).toString('hex')}`,
  apiKeySecret: randomBytes(16).toString('hex'),
  twimlAppSid: `AP${randomBytes(16).toString('hex')}`,
};
const NUMBER = '+15550168001';
const actor = { pubkey: null, ipHash: null };
/** Setting up the answered call takes several round trips; on a loaded machine more than waitFor's 10 s. */
const SETUP_MS = 20_000;
/** A whole test: the setup above plus the steps, under the same load. */
const TEST_MS = 60_000;
let fake: FakeTwilioApi;
const servers: CallServer[] = [];

beforeAll(async () => {
  fake = await FakeTwilioApi.start(TWILIO);
});
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.close();
  fake.requests.length = 0;
});
afterAll(async () => {
  await fake.close();
});

/** The <Conference> a document dials into, with the flags Twilio reads from it. */
function conferenceIn(xml: string): { name: string; attributes: Record<string, string> } {
  const dial = parseTwiml(xml).find((v) => v.name === 'Dial');
  const conference = dial?.children.find((c: Verb) => c.name === 'Conference');
  if (!conference) throw new Error(`no <Dial><Conference> in ${xml}`);
  return { name: conference.text, attributes: conference.attributes };
}

/** What Twilio does with a document's <Dial><Conference>: the call joins as the attributes say. */
function runConference(xml: string, callSid: string): FakeConference {
  const { name, attributes } = conferenceIn(xml);
  expect(attributes.beep).toBe('false');
  return fake.state.joinConference(name, callSid, {
    startConferenceOnEnter: attributes.startConferenceOnEnter === 'true',
    endConferenceOnExit: attributes.endConferenceOnExit === 'true',
    muted: false,
  });
}

const participantCreates = (conference: string) =>
  fake.requests.filter(
    (r) => r.method === 'POST' && r.path.endsWith(`/Conferences/${conference}/Participants.json`),
  );
const field = (r: RecordedRequest, name: string) => r.form.filter(([k]) => k === name).map(([, v]) => v);

async function startTwilioServer(): Promise<CallServer> {
  const s = await startCallServer({ telephony: { twilio: { apiBaseUrl: fake.baseUrl } } });
  servers.push(s);
  await saveProviderCredentials(s.ctx, actor, 'twilio', { ...TWILIO, phoneNumbers: [NUMBER] });
  return s;
}

const callRow = async (s: CallServer, callId: string) =>
  (await s.db.query('select * from calls where id = $1', [callId]))[0]!;
const audits = async (s: CallServer, action: string) =>
  s.db.query<{ details: Record<string, unknown> }>('select details from audit_log where action = $1', [
    action,
  ]);

/** A leg status callback as Twilio sends it to the URL the leg was given. */
const legStatus = (s: CallServer, callSid: string, CallStatus: string) => {
  const url = fake.call(callSid)!.statusCallback!;
  return twilioWebhook(s.url, url, { CallSid: callSid, CallStatus }, TWILIO.authToken);
};

/**
 * A caller reaches the Twilio number and waits in the call's conference; Bea (browser, on shift)
 * is rung through the Voice SDK, picks up, and starts the conference. Cy (browser, free) comes on
 * shift afterwards, so she was never rung for it.
 */
async function connectedCall(s: CallServer) {
  const bea = await s.addUser(['volunteer'], { preference: 'browser' });
  const cy = await s.addUser(['volunteer'], { preference: 'browser' });
  await s.putOnShift([bea.id]);
  const caller = callerOnTheLine(fake, NUMBER, '+15551239876');
  const inbound = await twilioWebhook(
    s.url,
    '/api/telephony/twilio/inbound',
    { CallSid: caller.sid, From: caller.from, To: NUMBER, CallStatus: 'ringing' },
    TWILIO.authToken,
  );
  expect(inbound.status).toBe(200);
  const waiting = runConference(inbound.body, caller.sid);
  expect(conferenceIn(inbound.body).attributes).toMatchObject({
    startConferenceOnEnter: 'false',
    endConferenceOnExit: 'true',
    waitMethod: 'POST',
  });
  expect(waiting.status).toBe('init');
  const beaIdentity = browserIdentityOf(s.ctx.config.serverSecret, bea.id);
  const beaLeg = await waitFor(
    () => fake.calls.find((c) => c.to.startsWith(`client:${beaIdentity}`)) ?? null,
    "Bea's browser rung",
    SETUP_MS,
  );
  fake.setCallStatus(beaLeg.sid, 'in-progress');
  // A browser leg is not screened: its pickup takes the call and dials it into the conference.
  const screen = await twilioWebhook(s.url, beaLeg.url, { CallSid: beaLeg.sid }, TWILIO.authToken);
  expect(conferenceIn(screen.body).attributes).toMatchObject({
    startConferenceOnEnter: 'true',
    endConferenceOnExit: 'true',
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

describe('hold at Twilio', () => {
  it(
    "holds the caller's participant with the wait document as hold audio, and resumes; audited",
    async () => {
      const s = await startTwilioServer();
      const { bea, caller, callId, conference } = await connectedCall(s);
      const controls = await s.request('GET', `/api/calls/${callId}/controls`, { as: bea });
      expect(await controls.json()).toEqual({ hold: true, transfer: true, warmTransfer: true });

      const on = await hold(s, bea, callId, true);
      expect(on.status).toBe(200);
      expect(await on.json()).toEqual({ onHold: true });
      const participant = conference.participants.get(caller)!;
      const holdUrl = `${s.url}/api/telephony/twilio/wait?call=${callId}`;
      expect(participant).toMatchObject({ hold: true, holdUrl });
      expect(participant.updates).toEqual([
        [
          ['Hold', 'true'],
          ['HoldUrl', holdUrl],
          ['HoldMethod', 'POST'],
        ],
      ]);
      // What Twilio plays the held caller: the wait document, signed as every webhook (no hang-up in it).
      const music = await twilioWebhook(s.url, holdUrl, { CallSid: caller }, TWILIO.authToken);
      expect(music.status).toBe(200);
      expect(parseTwiml(music.body).map((v) => v.name)).toEqual(['Say', 'Pause']);
      // Again: nothing changes at Twilio, nothing more is audited.
      expect((await hold(s, bea, callId, true)).status).toBe(200);
      expect(participant.updates).toHaveLength(1);
      expect(await audits(s, 'calls.held')).toHaveLength(1);

      expect(await (await hold(s, bea, callId, false)).json()).toEqual({ onHold: false });
      expect(participant).toMatchObject({ hold: false, holdUrl: null });
      expect((await audits(s, 'calls.resumed')).map((a) => a.details)).toEqual([{ callId }]);
      await s.settle();
    },
    TEST_MS,
  );

  it(
    'is refused to anyone else; a provider failure is a 503, never a 500',
    async () => {
      const s = await startTwilioServer();
      const { bea, cy, caller, callId, conference } = await connectedCall(s);
      expect((await hold(s, cy, callId, true)).status).toBe(403);
      fake.failNext({ status: 500, pathIncludes: '/Participants/', method: 'POST' });
      const failed = await hold(s, bea, callId, true);
      expect(failed.status).toBe(503);
      expect(conference.participants.get(caller)!.hold).toBe(false);
      expect(await audits(s, 'calls.held')).toEqual([]);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('cold transfer at Twilio', () => {
  it(
    "dials the colleague's browser into the conference; on pickup the first volunteer leaves and the caller comes back",
    async () => {
      const s = await startTwilioServer();
      const { bea, cy, caller, beaLeg, callId, conference } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const create = await waitFor(
        () => participantCreates(conference.sid)[0] ?? null,
        'Cy dialled in',
        SETUP_MS,
      );
      const [cyRow] = await s.db.query<{ id: string }>(
        'select id from call_legs where call_id = $1 and user_id = $2',
        [callId, cy.id],
      );
      expect(Object.fromEntries(create.form.filter(([k]) => k !== 'StatusCallbackEvent'))).toEqual({
        From: NUMBER,
        To: `client:${browserIdentityOf(s.ctx.config.serverSecret, cy.id)}?callId=${callId}`,
        Timeout: '25',
        Beep: 'false',
        StartConferenceOnEnter: 'true',
        EndConferenceOnExit: 'false',
        Muted: 'false',
        EarlyMedia: 'false',
        StatusCallback: `${s.url}/api/telephony/twilio/leg-status?call=${callId}&leg=${cyRow!.id}`,
        StatusCallbackMethod: 'POST',
      });
      // Its pickup is not a leg event (no "answered"): the request that rang learns it from Twilio.
      expect(field(create, 'StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'completed']);
      // While Cy rings the caller is held.
      expect(conference.participants.get(caller)!.hold).toBe(true);
      const cyLeg = [...conference.participants.keys()].find((sid) => sid !== caller && sid !== beaLeg)!;
      expect((await legStatus(s, cyLeg, 'ringing')).status).toBe(200);
      fake.setCallStatus(cyLeg, 'in-progress');
      expect((await transfer).status).toBe(204);

      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id, answered_leg_id: cyRow!.id });
      // Bea left without ending the caller's call; Cy's leaving ends it now; the caller is back.
      expect([...conference.participants.keys()].sort()).toEqual([caller, cyLeg].sort());
      expect(fake.call(beaLeg)!.status).toBe('completed');
      expect(fake.call(caller)!.status).toBe('in-progress');
      expect(conference.participants.get(cyLeg)!.endConferenceOnExit).toBe(true);
      expect(conference.participants.get(caller)!.hold).toBe(false);
      expect((await audits(s, 'calls.transferred')).map((a) => a.details)).toEqual([
        { callId, from: bea.id, to: cy.id },
      ]);
      expect(await s.db.query('select 1 from calls where provider_call_id = $1', [cyLeg])).toEqual([]);

      // Bea's leg ending does not end the call; Cy's does, and at Twilio the conference with it.
      await legStatus(s, beaLeg, 'completed');
      await s.settle();
      expect((await callRow(s, callId)).ended_at).toBeNull();
      fake.setCallStatus(cyLeg, 'completed');
      expect(conference.status).toBe('completed');
      expect(fake.call(caller)!.status).toBe('completed');
      await legStatus(s, cyLeg, 'completed');
      await waitFor(
        async () => (await callRow(s, callId)).ended_at !== null,
        'the call ended with Cy',
        SETUP_MS,
      );
      await s.settle();
    },
    TEST_MS,
  );

  it(
    'brings the caller back to the first volunteer when the colleague declines',
    async () => {
      const s = await startTwilioServer();
      const { bea, cy, caller, beaLeg, callId, conference } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      await waitFor(() => participantCreates(conference.sid)[0] ?? null, 'Cy dialled in', SETUP_MS);
      const cyLeg = [...conference.participants.keys()].find((sid) => sid !== caller && sid !== beaLeg)!;
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
});

describe('the caller hangs up during a hand-over', () => {
  it(
    'ends the conference and the ringing colleague with it; nothing changes hands',
    async () => {
      const s = await startTwilioServer();
      const { bea, cy, caller, beaLeg, callId, conference } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      await waitFor(() => participantCreates(conference.sid)[0] ?? null, 'Cy dialled in', SETUP_MS);
      const cyLeg = [...conference.participants.keys()].find((sid) => sid !== caller && sid !== beaLeg)!;
      fake.setCallStatus(caller, 'completed');
      expect(conference.status).toBe('completed');
      expect(fake.call(cyLeg)!.status).toBe('completed');
      expect(fake.call(beaLeg)!.status).toBe('completed');
      const answer = await transfer;
      expect(answer.status).toBe(409);
      // Said as it happened, not as "your colleague did not pick up".
      expect((await answer.json()).error).toMatchObject({
        message: 'the caller hung up before your colleague picked up',
        details: { reason: 'caller-hung-up' },
      });
      expect(await audits(s, 'calls.transferred')).toEqual([]);
      expect(await callRow(s, callId)).toMatchObject({ answered_by: bea.id });
      // Twilio tells the hotline the caller hung up: the call ends; hold is refused on it now.
      await twilioWebhook(
        s.url,
        '/api/telephony/twilio/status',
        { CallSid: caller, CallStatus: 'completed' },
        TWILIO.authToken,
      );
      await waitFor(async () => (await callRow(s, callId)).ended_at !== null, 'the call ended', SETUP_MS);
      expect((await hold(s, bea, callId, true)).status).toBe(409);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('warm transfer at Twilio', () => {
  it(
    'holds the caller at Twilio while the two talk; the hand-over dials the colleague in',
    async () => {
      const s = await startTwilioServer();
      const { bea, cy, caller, beaLeg, callId, conference } = await connectedCall(s);
      const post = (as: TestUser, path: string, body?: unknown) =>
        s.request('POST', `/api/calls/${callId}/warm-transfer${path}`, { as, body });
      expect((await post(bea, '', { to: cy.id, sdp: testSdp('consult') })).status).toBe(204);
      expect(conference.participants.get(caller)!.hold).toBe(true);
      expect((await post(cy, '/accept', { sdp: testSdp('consult-answer') })).status).toBe(204);
      const handOver = post(bea, '/hand-over');
      await waitFor(() => participantCreates(conference.sid)[0] ?? null, 'Cy dialled in', SETUP_MS);
      const cyLeg = [...conference.participants.keys()].find((sid) => sid !== caller && sid !== beaLeg)!;
      fake.setCallStatus(cyLeg, 'in-progress');
      expect((await handOver).status).toBe(204);
      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id });
      expect([...conference.participants.keys()].sort()).toEqual([caller, cyLeg].sort());
      expect(conference.participants.get(caller)!.hold).toBe(false);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('silent supervision at Twilio', () => {
  it(
    "dials the admin's browser in muted; the call is untouched; stop hangs it up",
    async () => {
      const s = await startTwilioServer();
      const { bea, caller, beaLeg, callId, conference } = await connectedCall(s);
      await s.setSettings((x) => ({ ...x, calls: { ...x.calls, silentSupervision: true } }));
      const ada = await s.addUser(['admin'], { preference: 'browser' });
      const live = await (await s.request('GET', '/api/calls/supervision/live', { as: ada })).json();
      expect(live.calls).toEqual([expect.objectContaining({ callId, throughProvider: 'twilio' })]);

      const listen = s.request('POST', `/api/calls/${callId}/supervision/phone`, { as: ada });
      const create = await waitFor(
        () => participantCreates(conference.sid)[0] ?? null,
        'Ada dialled in',
        SETUP_MS,
      );
      expect(Object.fromEntries(create.form)).toMatchObject({
        To: `client:${browserIdentityOf(s.ctx.config.serverSecret, ada.id)}?callId=${callId}`,
        Muted: 'true',
        EndConferenceOnExit: 'false',
        Beep: 'false',
      });
      // A listener is no leg of the call: Twilio tells nothing about it to the router.
      expect(field(create, 'StatusCallback')).toEqual([]);
      const adaLeg = [...conference.participants.keys()].find((sid) => sid !== caller && sid !== beaLeg)!;
      fake.setCallStatus(adaLeg, 'in-progress');
      expect((await listen).status).toBe(204);
      expect(conference.participants.get(adaLeg)).toMatchObject({ muted: true, status: 'connected' });
      expect(conference.participants.get(caller)!.hold).toBe(false);
      const request = await s.request('GET', `/api/calls/${callId}/supervision/request`, { as: bea });
      expect(await request.json()).toMatchObject({ listening: true, offer: null });

      expect((await s.request('POST', `/api/calls/${callId}/supervision/stop`, { as: ada })).status).toBe(
        204,
      );
      expect(fake.call(adaLeg)!.status).toBe('completed');
      // The listener leaving ends nothing.
      expect([...conference.participants.keys()].sort()).toEqual([beaLeg, caller].sort());
      expect(conference.status).toBe('in-progress');
      expect((await audits(s, 'calls.supervision-started')).map((a) => a.details)).toEqual([{ callId }]);
      expect((await audits(s, 'calls.supervision-stopped')).map((a) => a.details)).toEqual([{ callId }]);
      await s.settle();
    },
    TEST_MS,
  );
});
