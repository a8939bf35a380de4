import { describe, expect, it } from 'vitest';
import { type CallServer, waitFor } from '../../test/calls-helpers.js';
import {
  audits,
  type ConferenceView,
  type ConnectedCall,
  callRow,
  conferenceControlsOf,
  hold,
  legIdOf,
} from '../../test/conference-controls.js';
import { FakePlivoApi, type FakePlivoCall, type FakePlivoRequest } from '../../test/fakes/plivo-api.js';
import { plivoInboundFields, plivoRequest, TEST_PLIVO } from '../../test/plivo-webhooks.js';
import { parseTwiml } from '../simulator/twiml.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';

/**
 * Hold, cold and warm transfer and silent listening on a call answered at Plivo (docs/CALLS.md,
 * "Call controls on provider calls"), against the local fake Plivo API running the calls' Plivo
 * XML as Plivo would (fakes/plivo-api.ts with `documents`): a pickup or a Call Transfer fetches
 * the document, signed, from the server and joins its <Conference> by the flags it carries; a
 * member ending the conference on exit ends it for everyone. Plivo cannot change a member's
 * flags, so the caller is moved between the call's rooms (telephony/plivo/conference.ts). The
 * declined hand-over, the warm hand-over and the silent listening are the shared tests of
 * test/conference-controls.ts.
 */

const PLIVO = TEST_PLIVO;
const NUMBER = '+15550167001';
const CALLER = '+15551239876';
const SETUP_MS = 30_000;
const TEST_MS = 90_000;
const API = '/api/telephony/plivo';

/** A signed Plivo webhook to `url` (absolute, or a path on the server). */
async function webhook(s: CallServer, url: string, params: Record<string, string>) {
  const target = url.startsWith('http') ? url : `${s.url}${url}`;
  const response = await fetch(target, plivoRequest(PLIVO.authToken, target, params));
  return { status: response.status, body: await response.text() };
}

const sipOf = (s: CallServer, userId: string) =>
  `sip:${browserIdentityOf(s.ctx.config.serverSecret, userId)}@phone.plivo.com`;
const placedTo = (to: string): FakePlivoCall | null =>
  [...h.fake.calls.values()].find((c) => c.body.to === to) ?? null;
const roomOf = (uuid: string) => h.fake.memberOf(uuid)?.conference.name ?? null;
const memberOf = (uuid: string) => h.fake.memberOf(uuid)?.member;
const lastTransfer = (uuid: string) => h.fake.calls.get(uuid)!.transfers.at(-1);

/**
 * The call's rooms as the shared tests read a conference: the members of every room of the call
 * (`call-<id>`, `call-<id>-held`, a colleague's `call-<id>-<hex>`), the caller as held in the held
 * room; in progress while any of them runs.
 */
function roomsView(fake: FakePlivoApi, room: string): ConferenceView {
  const rooms = () =>
    [...fake.conferences.values()].filter((c) => c.name === room || c.name.startsWith(`${room}-`));
  return {
    get status() {
      return rooms().length > 0 ? 'in-progress' : 'completed';
    },
    get participants() {
      return new Map(
        rooms().flatMap((c) =>
          [...c.members.values()].map((m) => [
            m.callUuid,
            { hold: c.name === `${room}-held`, muted: m.muted, status: 'connected' },
          ]),
        ),
      );
    },
  };
}

/**
 * A caller reaches the hotline and waits in the call's conference hearing the wait document;
 * Bea (browser, on shift) is rung at her SIP address, picks up, and starts it. Cy (browser,
 * free) comes on shift afterwards, so she was never rung for it.
 */
/** The wait document as Plivo plays it: the prompt, then the hotline's hold music, looped. */
function expectWaitDocument(s: CallServer, xml: string): void {
  const verbs = parseTwiml(xml);
  expect(verbs.map((v) => v.name)).toEqual(['Speak', 'Play']);
  expect(verbs[1]).toMatchObject({
    text: `${s.url}/api/telephony/hold-music.wav`,
    attributes: { loop: '0' },
  });
}

async function answeredCall(s: CallServer, fake: FakePlivoApi): Promise<ConnectedCall<ConferenceView>> {
  const bea = await s.addUser(['volunteer'], { preference: 'browser' });
  const cy = await s.addUser(['volunteer'], { preference: 'browser' });
  await s.putOnShift([bea.id]);
  const caller = fake.addCall('in-progress');
  caller.body = { from: CALLER.slice(1), to: NUMBER.slice(1) };
  const inbound = await webhook(s, `${API}/inbound`, plivoInboundFields(caller.uuid, CALLER, NUMBER));
  expect(inbound.status).toBe(200);
  await fake.runDocument(caller.uuid, inbound.body);
  const [row] = await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [
    caller.uuid,
  ]);
  const room = `call-${row!.id}`;
  expect(roomOf(caller.uuid)).toBe(room);
  // Waiting, the caller hears the wait document (fetched signed, for the caller's own CallUUID):
  // the prompt, then the hold music looped (Plivo's waitSound cannot redirect).
  expectWaitDocument(s, memberOf(caller.uuid)!.waitDocument!);
  expect(memberOf(caller.uuid)).toMatchObject({ startConferenceOnEnter: false, endConferenceOnExit: false });
  const beaLeg = await waitFor(() => placedTo(sipOf(s, bea.id)), "Bea's browser rung", SETUP_MS);
  // A browser leg is not screened: its pickup takes the call and joins the conference.
  await fake.setCallState(beaLeg.uuid, 'in-progress');
  expect(roomOf(beaLeg.uuid)).toBe(room);
  expect(memberOf(beaLeg.uuid)).toMatchObject({ startConferenceOnEnter: true, endConferenceOnExit: true });
  expect((await callRow(s, row!.id)).status).toBe('answered');
  await s.putOnShift([bea.id, cy.id]);
  await s.settle();
  return {
    bea,
    cy,
    caller: caller.uuid,
    beaLeg: beaLeg.uuid,
    callId: row!.id,
    conference: roomsView(fake, room),
  };
}

const h = conferenceControlsOf<FakePlivoApi, ConferenceView>({
  id: 'plivo',
  credentials: PLIVO,
  number: NUMBER,
  signingSecret: PLIVO.authToken,
  startFake: () => FakePlivoApi.start({ ...PLIVO, documents: true }),
  ringsBrowserOf: (s, userId, to) => to === sipOf(s, userId),
  volunteerEndsConference: true,
  // A listener's document joins its room with muted="true".
  readsMuted: true,
  answeredCall,
  // Plivo tells a leg's ringing and end to the ring and hangup URLs it was created with.
  legStatus: (_s, leg, status): Promise<Response> => {
    const url: string = String(h.fake.calls.get(leg)!.body.hangup_url);
    return fetch(
      url,
      plivoRequest(PLIVO.authToken, url, { CallUUID: leg, RequestUUID: leg, CallStatus: status }),
    );
  },
  statusCallbacksOf: (create) => {
    const body = create.json as Record<string, unknown>;
    return [body.ring_url, body.hangup_url].filter((url) => url !== undefined);
  },
  colleagueRung: async (s, _call, userId): Promise<string> =>
    (await waitFor(() => placedTo(sipOf(s, userId)), 'Cy rung', SETUP_MS)).uuid,
  // On pickup Plivo fetches the call's answer URL (the join document) and runs it.
  colleaguePicksUp: (_s, _userId, leg): void => void h.fake.setCallState(leg, 'in-progress'),
  listenerRung: async (s, { callId }, userId): Promise<{ create: FakePlivoRequest; leg: string }> => {
    const create = await waitFor(
      (): FakePlivoRequest | null =>
        h.fake.requests.find(
          (r: FakePlivoRequest) =>
            r.method === 'POST' && (r.json as { to?: unknown } | null)?.to === sipOf(s, userId),
        ) ?? null,
      'Ada rung',
      SETUP_MS,
    );
    // It joins the volunteer's room as a listener: muted, ending nothing (plivo-xml.ts).
    expect(create.json).toMatchObject({ answer_url: joinUrl(s, callId, 'as=listener') });
    return { create, leg: placedTo(sipOf(s, userId))!.uuid };
  },
  setupMs: SETUP_MS,
  testMs: TEST_MS,
});
const { startServer, connectedCall } = h;
/** The answered call, with the name of its room. */
const connected = async (s: CallServer): Promise<ConnectedCall<ConferenceView> & { room: string }> => {
  const call = await connectedCall(s);
  return { ...call, room: `call-${call.callId}` };
};

const joinUrl = (s: CallServer, callId: string, more: string) => `${s.url}${API}/join?call=${callId}&${more}`;

describe('hold at Plivo', () => {
  it(
    'moves the caller to a room of their own hearing the wait document, and back; audited',
    async () => {
      const s = await startServer();
      const { bea, cy, caller, beaLeg, callId, room } = await connected(s);
      const controls = await s.request('GET', `/api/calls/${callId}/controls`, { as: bea });
      expect(await controls.json()).toEqual({ hold: true, transfer: true, warmTransfer: true });
      expect((await hold(s, cy, callId, true)).status).toBe(403);

      expect(await (await hold(s, bea, callId, true)).json()).toEqual({ onHold: true });
      expect(lastTransfer(caller)).toEqual({
        legs: 'aleg',
        aleg_url: joinUrl(s, callId, 'as=held'),
        aleg_method: 'POST',
      });
      expect(roomOf(caller)).toBe(`${room}-held`);
      expect(memberOf(caller)).toMatchObject({ startConferenceOnEnter: false, endConferenceOnExit: false });
      // The held caller hears the wait document in a loop; Bea stays, alone, in the call's room.
      expectWaitDocument(s, memberOf(caller)!.waitDocument!);
      expect(roomOf(beaLeg)).toBe(room);
      const transfers = h.fake.calls.get(caller)!.transfers.length;
      expect((await hold(s, bea, callId, true)).status).toBe(200);
      expect(h.fake.calls.get(caller)!.transfers).toHaveLength(transfers);

      expect(await (await hold(s, bea, callId, false)).json()).toEqual({ onHold: false });
      expect(lastTransfer(caller)).toMatchObject({ aleg_url: joinUrl(s, callId, 'as=caller') });
      expect(roomOf(caller)).toBe(room);
      expect(memberOf(caller)).toMatchObject({ startConferenceOnEnter: false, endConferenceOnExit: false });
      expect(h.fake.conferences.has(`${room}-held`)).toBe(false);
      expect(await audits(s, 'calls.held')).toHaveLength(1);
      expect(await audits(s, 'calls.resumed')).toHaveLength(1);
      await s.settle();
    },
    TEST_MS,
  );

  it(
    'serves the join document only to the leg it is for, signed',
    async () => {
      const s = await startServer();
      const { caller, beaLeg, callId, room } = await connected(s);
      const join = (more: string, CallUUID: string) =>
        webhook(s, joinUrl(s, callId, more), { CallUUID, CallStatus: 'in-progress' });
      const names = (xml: string) => parseTwiml(xml).map((v) => v.name);
      // The caller's own leg is served; Bea's leg, asking as the caller, hears a hang-up.
      expect(names((await join('as=held', caller)).body)).toEqual(['Conference', 'Hangup']);
      expect(names((await join('as=held', beaLeg)).body)).toEqual(['Hangup']);
      expect(names((await join('as=caller', beaLeg)).body)).toEqual(['Hangup']);
      // A colleague's leg must be one rung for this call; a room must be one of the call's.
      expect(names((await join('as=colleague&room=0123456789ab', beaLeg)).body)).toEqual(['Hangup']);
      // A role or room that is not one of ours: the URL was not issued by us (400).
      expect((await join('as=caller&room=..%2Fx', caller)).status).toBe(400);
      expect((await join('as=owner', caller)).status).toBe(400);
      expect((await webhook(s, `${API}/join?call=x&as=held`, { CallUUID: caller })).status).toBe(400);
      // A listener joins the room it is given, muted.
      const listener = parseTwiml((await join('as=listener', beaLeg)).body)[0]!;
      expect(listener).toMatchObject({
        text: room,
        attributes: { muted: 'true', endConferenceOnExit: 'false' },
      });
      // Unsigned: refused before anything is read.
      const url = joinUrl(s, callId, 'as=held');
      const unsigned = await fetch(url, plivoRequest(null, url, { CallUUID: caller }));
      expect(unsigned.status).toBe(403);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('cold transfer at Plivo', () => {
  it(
    "rings the colleague's browser into a room of their own; on pickup the caller joins them and the first volunteer is hung up",
    async () => {
      const s = await startServer();
      const { bea, cy, caller, beaLeg, callId, room } = await connected(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const cyCall = await waitFor(() => placedTo(sipOf(s, cy.id)), 'Cy rung', SETUP_MS);
      const cyLegId = await legIdOf(s, callId, cy.id);
      const statusUrl = `${s.url}${API}/leg-status?call=${callId}&leg=${cyLegId}`;
      const suffix = /&room=([0-9a-f]{12})$/.exec(String(cyCall.body.answer_url))?.[1];
      expect(suffix).toBeDefined();
      expect(cyCall.body).toEqual({
        from: NUMBER.slice(1),
        to: sipOf(s, cy.id),
        answer_url: joinUrl(s, callId, `as=colleague&room=${suffix}`),
        answer_method: 'POST',
        ring_timeout: 25,
        ring_url: statusUrl,
        ring_method: 'POST',
        hangup_url: statusUrl,
        hangup_method: 'POST',
        sip_headers: `callId=${callId.replaceAll('-', '')}`,
      });
      expect(roomOf(caller)).toBe(`${room}-held`);
      expect(
        (
          await webhook(s, statusUrl, {
            CallUUID: cyCall.uuid,
            RequestUUID: cyCall.uuid,
            CallStatus: 'ringing',
          })
        ).status,
      ).toBe(200);
      await h.fake.setCallState(cyCall.uuid, 'in-progress');
      expect((await transfer).status).toBe(204);

      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id, answered_leg_id: cyLegId });
      // The caller is with Cy, in Cy's room, which Cy ends on leaving; Bea was hung up, her room gone.
      const cyRoom = `${room}-${suffix}`;
      expect(roomOf(caller)).toBe(cyRoom);
      expect(roomOf(cyCall.uuid)).toBe(cyRoom);
      expect(memberOf(cyCall.uuid)).toMatchObject({
        startConferenceOnEnter: true,
        endConferenceOnExit: true,
      });
      expect(h.fake.calls.get(beaLeg)!.state).toBe('completed');
      expect(h.fake.conferences.has(room)).toBe(false);
      expect(
        h.fake.requests.filter(
          (r) => r.method === 'DELETE' && r.path.includes(`/Conference/${room}/Member/`),
        ),
      ).toHaveLength(1);
      expect((await audits(s, 'calls.transferred')).map((a) => a.details)).toEqual([
        { callId, from: bea.id, to: cy.id },
      ]);

      // Hold now moves the caller out of Cy's room and back into it.
      expect(await (await hold(s, cy, callId, true)).json()).toEqual({ onHold: true });
      expect(roomOf(caller)).toBe(`${room}-held`);
      expect(await (await hold(s, cy, callId, false)).json()).toEqual({ onHold: false });
      expect(lastTransfer(caller)).toMatchObject({
        aleg_url: joinUrl(s, callId, `as=caller&room=${suffix}`),
      });
      expect(roomOf(caller)).toBe(cyRoom);

      // Bea's leg ending does not end the call; Cy hanging up ends the room, the caller with it.
      await webhook(s, `${API}/leg-status?call=${callId}&leg=${await legIdOf(s, callId, bea.id)}`, {
        CallUUID: beaLeg,
        RequestUUID: beaLeg,
        CallStatus: 'completed',
      });
      await s.settle();
      expect((await callRow(s, callId)).ended_at).toBeNull();
      await h.fake.setCallState(cyCall.uuid, 'completed');
      expect(h.fake.calls.get(caller)!.state).toBe('completed');
      await webhook(s, statusUrl, {
        CallUUID: cyCall.uuid,
        RequestUUID: cyCall.uuid,
        CallStatus: 'completed',
      });
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
      const { bea, cy, caller, beaLeg, callId } = await connected(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const cyCall = await waitFor(() => placedTo(sipOf(s, cy.id)), 'Cy rung', SETUP_MS);
      await waitFor(() => roomOf(caller)?.endsWith('-held') ?? false, 'the caller held', SETUP_MS);
      await h.fake.setCallState(caller, 'completed');
      const answer = await transfer;
      expect(answer.status).toBe(409);
      expect((await answer.json()).error).toMatchObject({
        message: 'the caller hung up before your colleague picked up',
        details: { reason: 'caller-hung-up' },
      });
      expect(h.fake.calls.get(cyCall.uuid)!.state).toBe('canceled');
      expect(await audits(s, 'calls.transferred')).toEqual([]);
      await webhook(s, `${API}/status`, { CallUUID: caller, CallStatus: 'completed' });
      await waitFor(async () => (await callRow(s, callId)).ended_at !== null, 'the call ended', SETUP_MS);
      // The router hangs up Bea, left alone in the call's room.
      await waitFor(() => h.fake.calls.get(beaLeg)!.state === 'completed', 'Bea hung up', SETUP_MS);
      expect((await hold(s, bea, callId, true)).status).toBe(409);
      await s.settle();
    },
    TEST_MS,
  );
});

/** The call_legs id of `userId`'s leg on the call. */

describe('warm transfer at Plivo', () => {
  h.itHandsOverAfterTheConsultation(
    'holds the caller at Plivo while the two talk; the hand-over rings the colleague into a room of their own',
  );
});

describe('silent supervision at Plivo', () => {
  h.itLetsAnAdminListenSilently(
    "rings the admin's browser into the volunteer's room, muted; stop hangs it up",
  );
});
