import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type CallServer, waitFor } from '../../test/calls-helpers.js';
import {
  audits,
  callRow,
  conferenceControls,
  conferenceIn,
  field,
  hold,
  legIdOf,
} from '../../test/conference-controls.js';
import { parseTwiml } from '../simulator/twiml.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import { startFakeSignalWireApi } from '../telephony/simulator/fake-signalwire-api.js';

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
const SETUP_MS = 30_000;
const TEST_MS = 90_000;

const verto = (s: CallServer, userId: string) =>
  `verto:${browserIdentityOf(s.ctx.config.serverSecret, userId)}@example-hotline.verto.signalwire.com`;

/** The call created to ring `to` with an inline document (a browser dialled into the call). */
const dialledIn = (to: string) =>
  h.fake.requests.find(
    (r) =>
      r.method === 'POST' &&
      r.path.endsWith('/Calls.json') &&
      field(r, 'To')[0] === to &&
      field(r, 'Twiml')[0],
  ) ?? null;
const callTo = (to: string) => h.fake.calls.find((c) => c.to === to)!.sid;

const h = conferenceControls({
  id: 'signalwire',
  credentials: SIGNALWIRE,
  number: NUMBER,
  signingSecret: SIGNALWIRE.signingKey,
  startFake: () => startFakeSignalWireApi(SIGNALWIRE),
  ringsBrowserOf: (s, userId, to) => to === verto(s, userId),
  volunteerEndsConference: false,
  readsMuted: true,
  // SignalWire has no Participants create: a colleague is rung with a document joining the conference.
  colleagueRung: async (s, _call, userId) => {
    await waitFor(() => dialledIn(verto(s, userId)), 'Cy rung', SETUP_MS);
    return callTo(verto(s, userId));
  },
  // The rung call joins the conference by the document it carries.
  colleaguePicksUp: (s, userId, leg) => {
    h.fake.setCallStatus(leg, 'in-progress');
    runConference(field(dialledIn(verto(s, userId))!, 'Twiml')[0]!, leg);
  },
  // SignalWire rings a listener with a document that joins the conference muted.
  listenerRung: async (s, _call, userId) => {
    const create = await waitFor(() => dialledIn(verto(s, userId)), 'Ada rung', SETUP_MS);
    expect(conferenceIn(field(create, 'Twiml')[0]!).attributes).toMatchObject({
      muted: 'true',
      endConferenceOnExit: 'false',
    });
    return { create, leg: callTo(verto(s, userId)) };
  },
  setupMs: SETUP_MS,
  testMs: TEST_MS,
});
const { api: API, startServer: startSignalWireServer, connectedCall, runConference, webhook, legStatus } = h;

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
      expect(h.fake.requests.at(-1)!.path).toBe(
        `/api/laml/2010-04-01/Accounts/${SIGNALWIRE.projectId}/Conferences/${conference.sid}/Participants/${caller}.json`,
      );
      // What SignalWire plays the held caller: the wait document, signed under the signing key.
      const music = await webhook(s, holdUrl, { CallSid: caller });
      const verbs = parseTwiml(music.body);
      expect(verbs.map((v) => v.name)).toEqual(['Say', 'Play', 'Redirect']);
      expect(verbs[1]).toMatchObject({
        text: `${s.url}/api/telephony/hold-music.wav`,
        attributes: { loop: '3' },
      });
      expect(verbs[2]).toMatchObject({ text: holdUrl });
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
      const cyLegId = await legIdOf(s, callId, cy.id);
      expect(Object.fromEntries(create.form.filter(([k]) => k !== 'StatusCallbackEvent'))).toEqual({
        From: NUMBER,
        To: verto(s, cy.id),
        Timeout: '25',
        Twiml:
          '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Conference beep="false" startConferenceOnEnter="true" ' +
          `endConferenceOnExit="false" muted="false">call-${callId}</Conference></Dial><Hangup/></Response>`,
        StatusCallback: `${s.url}${API}/leg-status?call=${callId}&leg=${cyLegId}`,
        StatusCallbackMethod: 'POST',
      });
      // Its pickup is not a leg event (no "answered"): the request that rang learns it from SignalWire.
      expect(field(create, 'StatusCallbackEvent')).toEqual(['ringing', 'completed']);
      expect(conference.participants.get(caller)!.hold).toBe(true);
      const cyLeg = callTo(verto(s, cy.id));
      expect((await legStatus(s, cyLeg, 'ringing')).status).toBe(200);
      h.fake.setCallStatus(cyLeg, 'in-progress');
      runConference(field(create, 'Twiml')[0]!, cyLeg);
      expect((await transfer).status).toBe(204);

      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id, answered_leg_id: cyLegId });
      // Bea was removed (her call ended, the caller's did not); the caller is back, with Cy.
      expect([...conference.participants.keys()].sort()).toEqual([caller, cyLeg].sort());
      expect(h.fake.call(beaLeg)!.status).toBe('completed');
      expect(conference.participants.get(caller)!.hold).toBe(false);
      expect(
        h.fake.requests
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
      h.fake.setCallStatus(cyLeg, 'completed');
      expect(conference.status).toBe('in-progress');
      await legStatus(s, cyLeg, 'completed');
      await waitFor(
        () => h.fake.call(caller)!.status === 'completed',
        'the caller hung up by the router',
        SETUP_MS,
      );
      expect((await callRow(s, callId)).ended_at).not.toBeNull();
      expect(conference.status).toBe('completed');
      await s.settle();
    },
    TEST_MS,
  );

  h.itBringsTheCallerBackWhenTheColleagueDeclines();

  it(
    'says the caller hung up when they leave while the colleague rings; the ringing stops',
    async () => {
      const s = await startSignalWireServer();
      const call = await connectedCall(s);
      const { bea, cy, caller, beaLeg, callId, conference } = call;
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const cyLeg = await h.colleagueRung(s, call, cy.id);
      h.fake.setCallStatus(cyLeg, 'ringing');
      // The caller leaving ends the conference (and Bea's call with it); Cy's call is no participant yet.
      h.fake.setCallStatus(caller, 'completed');
      expect(conference.status).toBe('completed');
      expect(h.fake.call(beaLeg)!.status).toBe('completed');
      const answer = await transfer;
      expect(answer.status).toBe(409);
      expect((await answer.json()).error).toMatchObject({
        message: 'the caller hung up before your colleague picked up',
        details: { reason: 'caller-hung-up' },
      });
      expect(h.fake.call(cyLeg)!.status).toBe('canceled');
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
  h.itHandsOverAfterTheConsultation(
    'holds the caller at SignalWire while the two talk; the hand-over rings the colleague in',
  );
});

describe('silent supervision at SignalWire', () => {
  h.itLetsAnAdminListenSilently(
    "rings the admin's browser with a muted document joining the conference; stop hangs it up",
  );
});
