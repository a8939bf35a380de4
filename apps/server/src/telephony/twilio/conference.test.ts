/**
 * The Twilio adapter's conference side (conference.ts) against the local fake Twilio API: which
 * adapters have it, what it refuses before sending anything, and the requests a hold makes.
 * The whole call flow (hold, hand-over, listening) is in calls/twilio-controls.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { freshFakeForEachTest } from '../../../test/adapter-rest.js';
import { TelephonyInputError } from '../errors.js';
import type { ConnectedCall, ConnectedCallControl } from '../provider.js';
import { FakeTwilioApi } from '../simulator/fake-twilio-api.js';
import { createTwilioAdapter } from './adapter.js';

const ACCOUNT = `AC${'2'.repeat(32)}`;
const TOKEN = 'test-auth-token-9876543210';
const ACCOUNT_PATH = `/2010-04-01/Accounts/${ACCOUNT}`;

let fake: FakeTwilioApi;
let control: ConnectedCallControl;

beforeAll(async () => {
  fake = await FakeTwilioApi.start({ accountSid: ACCOUNT, authToken: TOKEN });
  control = createTwilioAdapter({ accountSid: ACCOUNT, authToken: TOKEN, apiBaseUrl: fake.baseUrl })
    .connectedCalls!;
});
freshFakeForEachTest(() => fake);

/** A caller waiting in `call-7` and a volunteer who started it, as their documents make them join. */
function connected(): ConnectedCall {
  const caller = fake.state.createCall({
    to: '+15550001111',
    from: '+15550002222',
    url: '',
    statusCallback: null,
    statusCallbackEvents: [],
    timeoutSeconds: 60,
  });
  const volunteer = fake.state.createCall({
    to: '+15550003333',
    from: '+15550001111',
    url: '',
    statusCallback: null,
    statusCallbackEvents: [],
    timeoutSeconds: 60,
  });
  fake.state.joinConference('call-7', caller.sid, {
    startConferenceOnEnter: false,
    endConferenceOnExit: true,
    muted: false,
  });
  fake.state.joinConference('call-7', volunteer.sid, {
    startConferenceOnEnter: true,
    endConferenceOnExit: true,
    muted: false,
  });
  return {
    callerLegId: caller.sid,
    volunteerLegId: volunteer.sid,
    queue: 'call-7',
    holdUrl: 'https://hotline.example/api/telephony/twilio/wait?call=7',
  };
}

describe('Twilio conference control', () => {
  it('only Twilio itself has it: the simulated carrier moves browser audio on its own', () => {
    const simulator = createTwilioAdapter({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      apiBaseUrl: fake.baseUrl,
      provider: 'simulator',
    });
    expect(simulator.connectedCalls).toBeUndefined();
    expect(simulator.render([{ kind: 'connect-to-caller', queue: 'call-7' }]).body).toContain(
      '<Queue>call-7</Queue>',
    );
  });

  it('finds the conference by name, reads the participant, and holds it with the hold document', async () => {
    const call = connected();
    expect(await control.holdCaller(call, true)).toEqual({ onHold: true, changed: true });
    const conference = fake.state.conferenceNamed('call-7')!;
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${ACCOUNT_PATH}/Conferences.json?FriendlyName=call-7&Status=in-progress`,
      `GET ${ACCOUNT_PATH}/Conferences/${conference.sid}/Participants/${call.callerLegId}.json`,
      `POST ${ACCOUNT_PATH}/Conferences/${conference.sid}/Participants/${call.callerLegId}.json`,
    ]);
    expect(fake.requests.at(-1)!.auth).toEqual({ username: ACCOUNT, password: TOKEN });
    expect(await control.holdCaller(call, true)).toEqual({ onHold: true, changed: false });
    expect(await control.holdCaller(call, false)).toEqual({ onHold: false, changed: true });
    expect(conference.participants.get(call.callerLegId)!.hold).toBe(false);
  });

  it('refuses, before any request, what is not a call of ours or has no hold document', async () => {
    const call = connected();
    const refusals: Promise<unknown>[] = [
      control.holdCaller({ ...call, callerLegId: '../x' }, true),
      control.holdCaller({ ...call, holdUrl: undefined }, true),
      control.holdCaller({ ...call, holdUrl: 'javascript:alert(1)' }, true),
      control.holdCaller({ ...call, queue: 'call-7&Status=completed' }, true),
      control.ringHandOverLeg(
        {
          to: '+15550004444',
          from: '+15550001111',
          answerUrl: 'https://h.example/a',
          statusUrl: 'https://h.example/s',
          timeoutSeconds: 25,
        },
        call,
      ),
      control.handOver({ ...call, volunteerLegId: 'CA' }, call.volunteerLegId),
    ];
    for (const refusal of refusals) await expect(refusal).rejects.toBeInstanceOf(TelephonyInputError);
    expect(fake.requests).toEqual([]);
  });

  it('a colleague who does not pick up in time stops ringing; one who does is seen connected', async () => {
    const call = connected();
    const ring = (tag: string) =>
      control.ringHandOverLeg(
        {
          to: '',
          browser: `v${tag.repeat(24)}`,
          from: '+15550001111',
          answerUrl: 'https://hotline.example/api/telephony/twilio/screen?call=7',
          statusUrl: 'https://hotline.example/api/telephony/twilio/leg-status?call=7',
          timeoutSeconds: 25,
        },
        call,
      );
    const { legId: late } = await ring('a');
    const started = Date.now();
    expect(await control.handOverAnswered(late, 1_200, call)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(fake.call(late)!.status).toBe('canceled');
    expect(fake.state.conferenceNamed('call-7')!.participants.has(late)).toBe(false);

    const { legId: quick } = await ring('b');
    setTimeout(() => fake.setCallStatus(quick, 'in-progress'), 300).unref();
    expect(await control.handOverAnswered(quick, 10_000, call)).toBe(true);
    expect(fake.state.conferenceNamed('call-7')!.participants.get(quick)!.status).toBe('connected');
  });

  it('answers a refusal (409 at the route) when the call is no longer in its conference', async () => {
    const call = connected();
    fake.setCallStatus(call.callerLegId, 'completed');
    await expect(control.holdCaller(call, true)).rejects.toBeInstanceOf(TelephonyInputError);
  });
});
