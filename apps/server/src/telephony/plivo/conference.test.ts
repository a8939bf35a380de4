/** The Plivo adapter's call controls below the router, against the local fake Plivo API. */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshFakeForEachTest } from '../../../test/adapter-rest.js';
import { FakePlivoApi } from '../../../test/fakes/plivo-api.js';
import { ProviderHttpError, TelephonyInputError } from '../errors.js';
import type { ConnectedCall, ConnectedCallControl, VolunteerLegRequest } from '../provider.js';
import { createPlivoAdapter } from './adapter.js';

const AUTH_ID = 'MAXXXXXXXXXXXXXXXXXX';
const AUTH_TOKEN = 'plivo-auth-token-0123456789';
const ACCOUNT = `/v1/Account/${AUTH_ID}`;
const CALL_ID = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const QUEUE = `call-${CALL_ID}`;
const JOIN = `https://hotline.example/api/telephony/plivo/join?call=${CALL_ID}`;
const BROWSER = `v${'0b'.repeat(12)}`;

let fake: FakePlivoApi;
let control: ConnectedCallControl;
beforeAll(async () => {
  // Without `documents`: the tests place members themselves and read what was asked.
  fake = await FakePlivoApi.start({ authId: AUTH_ID, authToken: AUTH_TOKEN });
  control = createPlivoAdapter({
    authId: AUTH_ID,
    authToken: AUTH_TOKEN,
    apiBaseUrl: fake.baseUrl,
    timeoutMs: 1000,
  }).connectedCalls!;
});
freshFakeForEachTest(() => fake);
beforeEach(() => fake.resetConferences());

/** A live call joined to `room` by a <Conference> with these flags. */
async function member(room: string, flags = 'startConferenceOnEnter="true" endConferenceOnExit="true"') {
  const call = fake.addCall('in-progress');
  await fake.runDocument(call.uuid, `<Response><Conference ${flags}>${room}</Conference></Response>`);
  return call.uuid;
}

async function connected(): Promise<ConnectedCall> {
  const callerLegId = await member(QUEUE, 'startConferenceOnEnter="false" endConferenceOnExit="false"');
  const volunteerLegId = await member(QUEUE);
  return { callerLegId, volunteerLegId, queue: QUEUE, joinUrl: JOIN };
}

const leg = (more: Partial<VolunteerLegRequest> = {}): VolunteerLegRequest => ({
  to: '',
  browser: BROWSER,
  from: '+15559870002',
  answerUrl: `https://hotline.example/api/telephony/plivo/screen?call=${CALL_ID}&leg=l1`,
  statusUrl: `https://hotline.example/api/telephony/plivo/leg-status?call=${CALL_ID}&leg=l1`,
  timeoutSeconds: 25,
  ...more,
});

describe('Plivo call controls', () => {
  it('refuses bad ids, a phone, a missing call or join URL before any request', async () => {
    const call = await connected();
    fake.requests.length = 0;
    await expect(control.holdCaller({ ...call, callerLegId: '../x' }, true)).rejects.toThrow(
      TelephonyInputError,
    );
    await expect(control.holdCaller({ ...call, queue: 'call x' }, true)).rejects.toThrow(TelephonyInputError);
    await expect(
      control.ringHandOverLeg(leg({ browser: undefined, to: '+15551230001' }), call),
    ).rejects.toThrow(TelephonyInputError);
    await expect(control.ringHandOverLeg(leg({ browser: 'sip:evil' }), call)).rejects.toThrow(
      TelephonyInputError,
    );
    await expect(control.ringHandOverLeg(leg())).rejects.toThrow(TelephonyInputError);
    await expect(control.ringHandOverLeg(leg(), { ...call, joinUrl: undefined })).rejects.toThrow(
      TelephonyInputError,
    );
    await expect(control.handOver(call, 'not-a-uuid')).rejects.toThrow(TelephonyInputError);
    expect(fake.requests).toEqual([]);
  });

  it("reads only the call's rooms; other calls' conferences are never asked after", async () => {
    const call = await connected();
    await member('call-11111111-2222-3333-4444-555555555555');
    await member(`${QUEUE}x`);
    fake.requests.length = 0;
    expect(await control.holdCaller(call, false)).toEqual({ onHold: false, changed: false });
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', `${ACCOUNT}/Conference/`],
      ['GET', `${ACCOUNT}/Conference/${QUEUE}/`],
    ]);
  });

  it('holds by transferring the caller to the held room; the volunteer or caller gone is a refusal', async () => {
    const call = await connected();
    expect(await control.holdCaller(call, true)).toEqual({ onHold: true, changed: true });
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: `${ACCOUNT}/Call/${call.callerLegId}/`,
      json: { legs: 'aleg', aleg_url: `${JOIN}&as=held`, aleg_method: 'POST' },
    });
    // Without documents the fake leaves the caller where it was: still "not held".
    await fake.setCallState(call.volunteerLegId, 'completed');
    await expect(control.holdCaller(call, true)).rejects.toThrow(/volunteer is not in the call/);
    const other = await connected();
    await fake.setCallState(other.callerLegId, 'completed');
    await expect(control.holdCaller(other, false)).rejects.toThrow(/caller is not in the call/);
  });

  it('a transfer of a call that is not live is a refusal; a provider failure is not', async () => {
    const call = await connected();
    fake.calls.get(call.callerLegId)!.state = 'completed';
    await expect(control.holdCaller(call, true)).rejects.toThrow(TelephonyInputError);
    fake.calls.get(call.callerLegId)!.state = 'in-progress';
    fake.failNext({ status: 503, method: 'POST' });
    const error = await control.holdCaller(call, true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).not.toBeInstanceOf(TelephonyInputError);
  });

  it('a hand-over nobody takes is cancelled at its deadline; one that ended is over at once', async () => {
    const call = await connected();
    const { legId } = await control.ringHandOverLeg(leg(), call);
    const placed = fake.calls.get(legId)!;
    expect(placed.body).toMatchObject({
      to: `sip:${BROWSER}@phone.plivo.com`,
      answer_url: expect.stringMatching(
        new RegExp(`^${JOIN.replace(/[?.]/g, '\\$&')}&as=colleague&room=[0-9a-f]{12}$`),
      ),
      ring_url: leg().statusUrl,
      hangup_url: leg().statusUrl,
    });
    const started = Date.now();
    expect(await control.handOverAnswered(legId, 1200, call)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(placed.state).toBe('canceled');

    const second = await control.ringHandOverLeg(leg(), call);
    await fake.setCallState(second.legId, 'canceled');
    const at = Date.now();
    expect(await control.handOverAnswered(second.legId, 20_000, call)).toBe(false);
    expect(Date.now() - at).toBeLessThan(5000);
  });

  it('a picked-up hand-over is a member of its room; the hand-over moves the caller and hangs up the first member', async () => {
    const call = await connected();
    const { legId } = await control.ringHandOverLeg(leg(), call);
    const room = /&room=([0-9a-f]{12})$/.exec(String(fake.calls.get(legId)!.body.answer_url))![1];
    fake.calls.get(legId)!.state = 'in-progress';
    await fake.runDocument(
      legId,
      `<Response><Conference startConferenceOnEnter="true" endConferenceOnExit="true">${QUEUE}-${room}</Conference></Response>`,
    );
    expect(await control.handOverAnswered(legId, 5000, call)).toBe(true);
    const first = fake.memberOf(call.volunteerLegId)!.member.memberId;
    await control.handOver(call, legId);
    expect(fake.requests.slice(-2).map((r) => [r.method, r.path, r.json])).toEqual([
      [
        'POST',
        `${ACCOUNT}/Call/${call.callerLegId}/`,
        { legs: 'aleg', aleg_url: `${JOIN}&as=caller&room=${room}`, aleg_method: 'POST' },
      ],
      ['DELETE', `${ACCOUNT}/Conference/${QUEUE}/Member/${first}/`, undefined],
    ]);
    expect(fake.calls.get(call.volunteerLegId)!.state).toBe('completed');
  });
});
