import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/calls-helpers.js';
import { audits, callRow, conferenceControls, field, hold, legIdOf } from '../../test/conference-controls.js';
import { parseTwiml } from '../simulator/twiml.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import { FakeTwilioApi } from '../telephony/simulator/fake-twilio-api.js';

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
const SETUP_MS = 20_000;
const TEST_MS = 60_000;

const participantCreates = (conference: string) =>
  h.fake.requests.filter(
    (r) => r.method === 'POST' && r.path.endsWith(`/Conferences/${conference}/Participants.json`),
  );

const h = conferenceControls({
  id: 'twilio',
  credentials: TWILIO,
  number: NUMBER,
  signingSecret: TWILIO.authToken,
  startFake: () => FakeTwilioApi.start(TWILIO),
  // The Voice SDK address, with the call's id as a parameter after it.
  ringsBrowserOf: (s, userId, to) =>
    to.startsWith(`client:${browserIdentityOf(s.ctx.config.serverSecret, userId)}`),
  volunteerEndsConference: true,
  // Twilio mutes a participant only through a Participants create, never from <Conference>.
  readsMuted: false,
  // A colleague is dialled in through a Participants create: the conference's new participant.
  colleagueRung: async (_s, { conference, caller, beaLeg }) => {
    await waitFor(() => participantCreates(conference.sid)[0] ?? null, 'Cy dialled in', SETUP_MS);
    return [...conference.participants.keys()].find((sid) => sid !== caller && sid !== beaLeg)!;
  },
  // A participant created at Twilio joins the conference on pickup.
  colleaguePicksUp: (_s, _userId, leg) => h.fake.setCallStatus(leg, 'in-progress'),
  // Twilio dials a listener in with a Participants create that mutes it.
  listenerRung: async (s, { conference, caller, beaLeg, callId }, userId) => {
    const create = await waitFor(
      () => participantCreates(conference.sid)[0] ?? null,
      'Ada dialled in',
      SETUP_MS,
    );
    expect(Object.fromEntries(create.form)).toMatchObject({
      To: `client:${browserIdentityOf(s.ctx.config.serverSecret, userId)}?callId=${callId}`,
      Muted: 'true',
      EndConferenceOnExit: 'false',
      Beep: 'false',
    });
    const leg = [...conference.participants.keys()].find((sid) => sid !== caller && sid !== beaLeg)!;
    return { create, leg };
  },
  setupMs: SETUP_MS,
  testMs: TEST_MS,
});
const { startServer: startTwilioServer, connectedCall, legStatus } = h;

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
      // What Twilio plays the held caller: the wait document, signed as every webhook (no hang-up
      // in it): the prompt, the hold music three times, then the document again. The caller is
      // not in line, so no place or wait is said even with the queue announcement on.
      await s.setSettings((x) => ({ ...x, calls: { ...x.calls, queueAnnouncement: 'position' } }));
      const music = await h.webhook(s, holdUrl, { CallSid: caller });
      expect(music.status).toBe(200);
      const verbs = parseTwiml(music.body);
      expect(verbs.map((v) => v.name)).toEqual(['Say', 'Play', 'Redirect']);
      expect(verbs[1]).toMatchObject({
        text: `${s.url}/api/telephony/hold-music.wav`,
        attributes: { loop: '3' },
      });
      expect(verbs[2]).toMatchObject({ text: holdUrl, attributes: { method: 'POST' } });
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
      h.fake.failNext({ status: 500, pathIncludes: '/Participants/', method: 'POST' });
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
      const cyLegId = await legIdOf(s, callId, cy.id);
      expect(Object.fromEntries(create.form.filter(([k]) => k !== 'StatusCallbackEvent'))).toEqual({
        From: NUMBER,
        To: `client:${browserIdentityOf(s.ctx.config.serverSecret, cy.id)}?callId=${callId}`,
        Timeout: '25',
        Beep: 'false',
        StartConferenceOnEnter: 'true',
        EndConferenceOnExit: 'false',
        Muted: 'false',
        EarlyMedia: 'false',
        StatusCallback: `${s.url}/api/telephony/twilio/leg-status?call=${callId}&leg=${cyLegId}`,
        StatusCallbackMethod: 'POST',
      });
      // Its pickup is not a leg event (no "answered"): the request that rang learns it from Twilio.
      expect(field(create, 'StatusCallbackEvent')).toEqual(['ringing', 'completed']);
      // While Cy rings the caller is held.
      expect(conference.participants.get(caller)!.hold).toBe(true);
      const cyLeg = [...conference.participants.keys()].find((sid) => sid !== caller && sid !== beaLeg)!;
      expect((await legStatus(s, cyLeg, 'ringing')).status).toBe(200);
      h.fake.setCallStatus(cyLeg, 'in-progress');
      expect((await transfer).status).toBe(204);

      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id, answered_leg_id: cyLegId });
      // Bea left without ending the caller's call; Cy's leaving ends it now; the caller is back.
      expect([...conference.participants.keys()].sort()).toEqual([caller, cyLeg].sort());
      expect(h.fake.call(beaLeg)!.status).toBe('completed');
      expect(h.fake.call(caller)!.status).toBe('in-progress');
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
      h.fake.setCallStatus(cyLeg, 'completed');
      expect(conference.status).toBe('completed');
      expect(h.fake.call(caller)!.status).toBe('completed');
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

  h.itBringsTheCallerBackWhenTheColleagueDeclines();
});

describe('the caller hangs up during a hand-over', () => {
  it(
    'ends the conference and the ringing colleague with it; nothing changes hands',
    async () => {
      const s = await startTwilioServer();
      const call = await connectedCall(s);
      const { bea, cy, caller, beaLeg, callId, conference } = call;
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const cyLeg = await h.colleagueRung(s, call, cy.id);
      h.fake.setCallStatus(caller, 'completed');
      expect(conference.status).toBe('completed');
      expect(h.fake.call(cyLeg)!.status).toBe('completed');
      expect(h.fake.call(beaLeg)!.status).toBe('completed');
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
      await h.webhook(s, `${h.api}/status`, { CallSid: caller, CallStatus: 'completed' });
      await waitFor(async () => (await callRow(s, callId)).ended_at !== null, 'the call ended', SETUP_MS);
      expect((await hold(s, bea, callId, true)).status).toBe(409);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('warm transfer at Twilio', () => {
  h.itHandsOverAfterTheConsultation(
    'holds the caller at Twilio while the two talk; the hand-over dials the colleague in',
  );
});

describe('silent supervision at Twilio', () => {
  h.itLetsAnAdminListenSilently(
    "dials the admin's browser in muted; the call is untouched; stop hangs it up",
  );
});
