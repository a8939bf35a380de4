import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer, testSdp, waitFor } from '../../test/calls-helpers.js';
import { audits, callRow, hold } from '../../test/conference-controls.js';
import { FakePlivoApi, type FakePlivoCall } from '../../test/fakes/plivo-api.js';
import type { TestUser } from '../../test/helpers.js';
import { plivoInboundFields, plivoRequest, TEST_PLIVO } from '../../test/plivo-webhooks.js';
import { saveProviderCredentials } from '../settings/service.js';
import { parseTwiml } from '../simulator/twiml.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';

/**
 * Hold, cold and warm transfer and silent listening on a call answered at Plivo (docs/CALLS.md,
 * "Call controls on provider calls"), against the local fake Plivo API running the calls' Plivo
 * XML as Plivo would (fakes/plivo-api.ts with `documents`): a pickup or a Call Transfer fetches
 * the document, signed, from the server and joins its <Conference> by the flags it carries; a
 * member ending the conference on exit ends it for everyone. Plivo cannot change a member's
 * flags, so the caller is moved between the call's rooms (telephony/plivo/conference.ts).
 */

const PLIVO = TEST_PLIVO;
const NUMBER = '+15550167001';
const CALLER = '+15551239876';
const SETUP_MS = 30_000;
const TEST_MS = 90_000;
const API = '/api/telephony/plivo';
const actor = { pubkey: null, ipHash: null };

let fake: FakePlivoApi;
const servers: CallServer[] = [];
beforeAll(async () => {
  fake = await FakePlivoApi.start({ ...PLIVO, documents: true });
});
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.close();
  fake.requests.length = 0;
  fake.resetConferences();
});
afterAll(async () => {
  await fake.close();
});

async function startServer(): Promise<CallServer> {
  const s = await startCallServer({ telephony: { plivo: { apiBaseUrl: fake.baseUrl } } });
  servers.push(s);
  await saveProviderCredentials(s.ctx, actor, 'plivo', { ...PLIVO, phoneNumbers: [NUMBER] });
  return s;
}

/** A signed Plivo webhook to `url` (absolute, or a path on the server). */
async function webhook(s: CallServer, url: string, params: Record<string, string>) {
  const target = url.startsWith('http') ? url : `${s.url}${url}`;
  const response = await fetch(target, plivoRequest(PLIVO.authToken, target, params));
  return { status: response.status, body: await response.text() };
}

const sipOf = (s: CallServer, userId: string) =>
  `sip:${browserIdentityOf(s.ctx.config.serverSecret, userId)}@phone.plivo.com`;
const placedTo = (to: string): FakePlivoCall | null =>
  [...fake.calls.values()].find((c) => c.body.to === to) ?? null;
const roomOf = (uuid: string) => fake.memberOf(uuid)?.conference.name ?? null;
const memberOf = (uuid: string) => fake.memberOf(uuid)?.member;
const lastTransfer = (uuid: string) => fake.calls.get(uuid)!.transfers.at(-1);

interface Connected {
  bea: TestUser;
  cy: TestUser;
  caller: string;
  beaLeg: string;
  callId: string;
  room: string;
}

/**
 * A caller reaches the hotline and waits in the call's conference hearing the wait document;
 * Bea (browser, on shift) is rung at her SIP address, picks up, and starts it. Cy (browser,
 * free) comes on shift afterwards, so she was never rung for it.
 */
async function connectedCall(s: CallServer): Promise<Connected> {
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
  // Waiting, the caller hears the wait document (fetched signed, for the caller's own CallUUID).
  expect(parseTwiml(memberOf(caller.uuid)!.waitDocument!).map((v) => v.name)).toEqual(['Speak', 'Wait']);
  expect(memberOf(caller.uuid)).toMatchObject({ startConferenceOnEnter: false, endConferenceOnExit: false });
  const beaLeg = await waitFor(() => placedTo(sipOf(s, bea.id)), "Bea's browser rung", SETUP_MS);
  // A browser leg is not screened: its pickup takes the call and joins the conference.
  await fake.setCallState(beaLeg.uuid, 'in-progress');
  expect(roomOf(beaLeg.uuid)).toBe(room);
  expect(memberOf(beaLeg.uuid)).toMatchObject({ startConferenceOnEnter: true, endConferenceOnExit: true });
  expect((await callRow(s, row!.id)).status).toBe('answered');
  await s.putOnShift([bea.id, cy.id]);
  await s.settle();
  return { bea, cy, caller: caller.uuid, beaLeg: beaLeg.uuid, callId: row!.id, room };
}

const joinUrl = (s: CallServer, callId: string, more: string) => `${s.url}${API}/join?call=${callId}&${more}`;

describe('hold at Plivo', () => {
  it(
    'moves the caller to a room of their own hearing the wait document, and back; audited',
    async () => {
      const s = await startServer();
      const { bea, cy, caller, beaLeg, callId, room } = await connectedCall(s);
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
      expect(parseTwiml(memberOf(caller)!.waitDocument!).map((v) => v.name)).toEqual(['Speak', 'Wait']);
      expect(roomOf(beaLeg)).toBe(room);
      const transfers = fake.calls.get(caller)!.transfers.length;
      expect((await hold(s, bea, callId, true)).status).toBe(200);
      expect(fake.calls.get(caller)!.transfers).toHaveLength(transfers);

      expect(await (await hold(s, bea, callId, false)).json()).toEqual({ onHold: false });
      expect(lastTransfer(caller)).toMatchObject({ aleg_url: joinUrl(s, callId, 'as=caller') });
      expect(roomOf(caller)).toBe(room);
      expect(memberOf(caller)).toMatchObject({ startConferenceOnEnter: false, endConferenceOnExit: false });
      expect(fake.conferences.has(`${room}-held`)).toBe(false);
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
      const { caller, beaLeg, callId, room } = await connectedCall(s);
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
      const { bea, cy, caller, beaLeg, callId, room } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const cyCall = await waitFor(() => placedTo(sipOf(s, cy.id)), 'Cy rung', SETUP_MS);
      const [cyRow] = await s.db.query<{ id: string }>(
        'select id from call_legs where call_id = $1 and user_id = $2',
        [callId, cy.id],
      );
      const statusUrl = `${s.url}${API}/leg-status?call=${callId}&leg=${cyRow!.id}`;
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
      await fake.setCallState(cyCall.uuid, 'in-progress');
      expect((await transfer).status).toBe(204);

      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id, answered_leg_id: cyRow!.id });
      // The caller is with Cy, in Cy's room, which Cy ends on leaving; Bea was hung up, her room gone.
      const cyRoom = `${room}-${suffix}`;
      expect(roomOf(caller)).toBe(cyRoom);
      expect(roomOf(cyCall.uuid)).toBe(cyRoom);
      expect(memberOf(cyCall.uuid)).toMatchObject({
        startConferenceOnEnter: true,
        endConferenceOnExit: true,
      });
      expect(fake.calls.get(beaLeg)!.state).toBe('completed');
      expect(fake.conferences.has(room)).toBe(false);
      expect(
        fake.requests.filter((r) => r.method === 'DELETE' && r.path.includes(`/Conference/${room}/Member/`)),
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
      await webhook(s, `${API}/leg-status?call=${callId}&leg=${await callLegOf(s, callId, bea.id)}`, {
        CallUUID: beaLeg,
        RequestUUID: beaLeg,
        CallStatus: 'completed',
      });
      await s.settle();
      expect((await callRow(s, callId)).ended_at).toBeNull();
      await fake.setCallState(cyCall.uuid, 'completed');
      expect(fake.calls.get(caller)!.state).toBe('completed');
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

  it(
    'brings the caller back to the first volunteer when the colleague declines',
    async () => {
      const s = await startServer();
      const { bea, cy, caller, beaLeg, callId, room } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const cyCall = await waitFor(() => placedTo(sipOf(s, cy.id)), 'Cy rung', SETUP_MS);
      await fake.setCallState(cyCall.uuid, 'canceled');
      const answer = await transfer;
      expect(answer.status).toBe(409);
      expect((await answer.json()).error).toMatchObject({
        message: expect.stringMatching(/did not pick up/),
        details: { reason: 'not-picked-up' },
      });
      expect(await callRow(s, callId)).toMatchObject({ answered_by: bea.id });
      expect(roomOf(caller)).toBe(room);
      expect(roomOf(beaLeg)).toBe(room);
      expect(await audits(s, 'calls.transferred')).toEqual([]);
      await s.settle();
      expect((await callRow(s, callId)).ended_at).toBeNull();
    },
    TEST_MS,
  );

  it(
    'says the caller hung up when they leave while the colleague rings; the ringing stops',
    async () => {
      const s = await startServer();
      const { bea, cy, caller, beaLeg, callId } = await connectedCall(s);
      const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
      const cyCall = await waitFor(() => placedTo(sipOf(s, cy.id)), 'Cy rung', SETUP_MS);
      await waitFor(() => roomOf(caller)?.endsWith('-held') ?? false, 'the caller held', SETUP_MS);
      await fake.setCallState(caller, 'completed');
      const answer = await transfer;
      expect(answer.status).toBe(409);
      expect((await answer.json()).error).toMatchObject({
        message: 'the caller hung up before your colleague picked up',
        details: { reason: 'caller-hung-up' },
      });
      expect(fake.calls.get(cyCall.uuid)!.state).toBe('canceled');
      expect(await audits(s, 'calls.transferred')).toEqual([]);
      await webhook(s, `${API}/status`, { CallUUID: caller, CallStatus: 'completed' });
      await waitFor(async () => (await callRow(s, callId)).ended_at !== null, 'the call ended', SETUP_MS);
      // The router hangs up Bea, left alone in the call's room.
      await waitFor(() => fake.calls.get(beaLeg)!.state === 'completed', 'Bea hung up', SETUP_MS);
      expect((await hold(s, bea, callId, true)).status).toBe(409);
      await s.settle();
    },
    TEST_MS,
  );
});

/** The call_legs id of `userId`'s leg on the call. */
async function callLegOf(s: CallServer, callId: string, userId: string): Promise<string> {
  const [row] = await s.db.query<{ id: string }>(
    'select id from call_legs where call_id = $1 and user_id = $2 order by created_at limit 1',
    [callId, userId],
  );
  return row!.id;
}

describe('warm transfer at Plivo', () => {
  it(
    'holds the caller at Plivo while the two talk; the hand-over rings the colleague in',
    async () => {
      const s = await startServer();
      const { bea, cy, caller, callId, room } = await connectedCall(s);
      const post = (as: TestUser, path: string, body?: unknown) =>
        s.request('POST', `/api/calls/${callId}/warm-transfer${path}`, { as, body });
      expect((await post(bea, '', { to: cy.id, sdp: testSdp('consult') })).status).toBe(204);
      expect(roomOf(caller)).toBe(`${room}-held`);
      expect((await post(cy, '/accept', { sdp: testSdp('consult-answer') })).status).toBe(204);
      const handOver = post(bea, '/hand-over');
      const cyCall = await waitFor(() => placedTo(sipOf(s, cy.id)), 'Cy rung', SETUP_MS);
      await fake.setCallState(cyCall.uuid, 'in-progress');
      expect((await handOver).status).toBe(204);
      expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id });
      expect(roomOf(caller)).toBe(roomOf(cyCall.uuid));
      expect(roomOf(caller)).not.toBe(room);
      await s.settle();
    },
    TEST_MS,
  );
});

describe('silent supervision at Plivo', () => {
  it(
    "rings the admin's browser into the volunteer's room, muted; stop hangs it up and ends nothing",
    async () => {
      const s = await startServer();
      const { bea, caller, beaLeg, callId, room } = await connectedCall(s);
      await s.setSettings((x) => ({ ...x, calls: { ...x.calls, silentSupervision: true } }));
      const ada = await s.addUser(['admin'], { preference: 'browser' });
      const live = await (await s.request('GET', '/api/calls/supervision/live', { as: ada })).json();
      expect(live.calls).toEqual([expect.objectContaining({ callId, throughProvider: 'plivo' })]);

      const listen = s.request('POST', `/api/calls/${callId}/supervision/phone`, { as: ada });
      const adaCall = await waitFor(() => placedTo(sipOf(s, ada.id)), 'Ada rung', SETUP_MS);
      // A listener is no leg of the call: Plivo tells the router nothing about it.
      expect(adaCall.body).toMatchObject({ answer_url: joinUrl(s, callId, 'as=listener') });
      expect(adaCall.body).not.toHaveProperty('ring_url');
      expect(adaCall.body).not.toHaveProperty('hangup_url');
      await fake.setCallState(adaCall.uuid, 'in-progress');
      expect((await listen).status).toBe(204);
      expect(roomOf(adaCall.uuid)).toBe(room);
      expect(memberOf(adaCall.uuid)).toMatchObject({ muted: true, endConferenceOnExit: false });
      expect(roomOf(caller)).toBe(room);
      const request = await s.request('GET', `/api/calls/${callId}/supervision/request`, { as: bea });
      expect(await request.json()).toMatchObject({ listening: true, offer: null });

      expect((await s.request('POST', `/api/calls/${callId}/supervision/stop`, { as: ada })).status).toBe(
        204,
      );
      expect(fake.calls.get(adaCall.uuid)!.state).toBe('completed');
      // The listener leaving ends nothing.
      expect(roomOf(caller)).toBe(room);
      expect(roomOf(beaLeg)).toBe(room);
      expect((await audits(s, 'calls.supervision-started')).map((a) => a.details)).toEqual([{ callId }]);
      expect((await audits(s, 'calls.supervision-stopped')).map((a) => a.details)).toEqual([{ callId }]);
      await s.settle();
    },
    TEST_MS,
  );
});
