/**
 * The SignalWire adapter's conference side (twilio/conference.ts with LAML_CONFERENCES) against
 * the fake API playing SignalWire's rules: requests under /api/laml with UUID sids, a browser
 * dialled in as a call carrying its own document (there is no Participants create), and a
 * hand-over that never sends EndConferenceOnExit. The whole call flow is in
 * calls/signalwire-controls.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshFakeForEachTest } from '../../../test/adapter-rest.js';
import { TelephonyInputError } from '../errors.js';
import type { ConnectedCall, ConnectedCallControl, VolunteerLegRequest } from '../provider.js';
import { startFakeSignalWireApi } from '../simulator/fake-signalwire-api.js';
import type { FakeTwilioApi } from '../simulator/fake-twilio-api.js';
import { createSignalWireAdapter } from './adapter.js';

const PROJECT = randomUUID();
const API_TOKEN = 'PT0123456789abcdef0123456789abcdef';
const ACCOUNT_PATH = `/api/laml/2010-04-01/Accounts/${PROJECT}`;
let fake: FakeTwilioApi;
let control: ConnectedCallControl;

beforeAll(async () => {
  fake = await startFakeSignalWireApi({ projectId: PROJECT, apiToken: API_TOKEN });
  control = createSignalWireAdapter({
    projectId: PROJECT,
    apiToken: API_TOKEN,
    spaceUrl: fake.baseUrl,
    spaceName: 'example',
    signingKey: 'PSK_0123456789abcdef',
  }).connectedCalls!;
});
freshFakeForEachTest(() => fake);

const leg = (to: string) =>
  fake.state.createCall({
    to,
    from: '+15550001111',
    url: '',
    statusCallback: null,
    statusCallbackEvents: [],
    timeoutSeconds: 60,
  });

/** A caller waiting in a conference of its own and a volunteer who started it, as their LaML documents join them. */
function connected(queue = `call-${randomUUID()}`): ConnectedCall {
  const caller = leg('+15550001111');
  const volunteer = leg('+15550003333');
  fake.state.joinConference(queue, caller.sid, {
    startConferenceOnEnter: false,
    endConferenceOnExit: true,
    muted: false,
  });
  fake.state.joinConference(queue, volunteer.sid, {
    startConferenceOnEnter: true,
    endConferenceOnExit: false,
    muted: false,
  });
  return {
    callerLegId: caller.sid,
    volunteerLegId: volunteer.sid,
    queue,
    holdUrl: 'https://hotline.example/api/telephony/signalwire/wait?call=7',
  };
}

const colleague: VolunteerLegRequest = {
  to: '',
  browser: `v${'c'.repeat(24)}`,
  from: '+15550001111',
  answerUrl: 'https://hotline.example/api/telephony/signalwire/screen?call=7',
  statusUrl: 'https://hotline.example/api/telephony/signalwire/leg-status?call=7',
  timeoutSeconds: 25,
};

describe('SignalWire conference control', () => {
  it('holds the caller under /api/laml with the project auth', async () => {
    const call = connected('call-7');
    expect(await control.holdCaller(call, true)).toEqual({ onHold: true, changed: true });
    const conference = fake.state.conferenceNamed('call-7')!;
    expect(conference.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${ACCOUNT_PATH}/Conferences.json?FriendlyName=call-7&Status=in-progress`,
      `GET ${ACCOUNT_PATH}/Conferences/${conference.sid}/Participants/${call.callerLegId}.json`,
      `POST ${ACCOUNT_PATH}/Conferences/${conference.sid}/Participants/${call.callerLegId}.json`,
    ]);
    expect(fake.requests.at(-1)!.auth).toEqual({ username: PROJECT, password: API_TOKEN });
    expect(await control.holdCaller(call, false)).toEqual({ onHold: false, changed: true });
  });

  it('rings a colleague as a call whose document joins the conference; the hand-over sends no EndConferenceOnExit', async () => {
    const call = connected();
    const { legId } = await control.ringHandOverLeg(colleague, call);
    const create = fake.requests.at(-1)!;
    expect(create.path).toBe(`${ACCOUNT_PATH}/Calls.json`);
    expect(Object.fromEntries(create.form)).toMatchObject({
      To: `verto:${colleague.browser}@example.verto.signalwire.com`,
      Twiml: expect.stringContaining(
        `<Conference beep="false" startConferenceOnEnter="true" endConferenceOnExit="false" muted="false">${call.queue}</Conference>`,
      ),
    });
    expect(fake.requests.some((r) => r.path.endsWith('/Participants.json'))).toBe(false);
    // Not a participant until it answers and its document joins it.
    setTimeout(() => {
      fake.setCallStatus(legId, 'in-progress');
      fake.state.joinConference(call.queue, legId, {
        startConferenceOnEnter: true,
        endConferenceOnExit: false,
        muted: false,
      });
    }, 300).unref();
    expect(await control.handOverAnswered(legId, 10_000, call)).toBe(true);
    await control.handOver(call, legId);
    const conference = fake.state.conferenceNamed(call.queue)!;
    expect([...conference.participants.keys()].sort()).toEqual([call.callerLegId, legId].sort());
    expect(fake.call(call.volunteerLegId)!.status).toBe('completed');
    expect(fake.requests.flatMap((r) => r.form).some(([k]) => k === 'EndConferenceOnExit')).toBe(false);
  });

  it('a colleague still ringing when the caller hangs up is stopped, and no pickup is seen', async () => {
    const call = connected();
    const { legId } = await control.ringHandOverLeg(colleague, call);
    fake.setCallStatus(legId, 'ringing');
    fake.setCallStatus(call.callerLegId, 'completed');
    expect(await control.handOverAnswered(legId, 10_000, call)).toBe(false);
    expect(fake.call(legId)!.status).toBe('canceled');
    // Nothing to take off hold: the call is not connected any more.
    await expect(control.holdCaller(call, false)).rejects.toBeInstanceOf(TelephonyInputError);
  });

  it('refuses, before any request, a phone to dial in or a call of the wrong id form', async () => {
    const call = connected();
    await expect(
      control.ringHandOverLeg({ ...colleague, browser: undefined, to: '+15550004444' }, call),
    ).rejects.toBeInstanceOf(TelephonyInputError);
    await expect(
      control.holdCaller({ ...call, callerLegId: `CA${'0'.repeat(32)}` }, true),
    ).rejects.toBeInstanceOf(TelephonyInputError);
    expect(fake.requests).toEqual([]);
  });
});
