/**
 * The Vonage adapter's call controls (conversation.ts) against the local fake Vonage API, below
 * the router: what is refused before any request, what a Vonage answer turns into, how long a
 * ringing hand-over is waited for, and the fake's own conversation rules that the design leans on.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshFakeForEachTest } from '../../../test/adapter-rest.js';
import { FakeVonageApi } from '../../../test/fakes/vonage-api.js';
import { TelephonyInputError } from '../errors.js';
import type { ConnectedCall, ConnectedCallControl, VolunteerLegRequest } from '../provider.js';
import { createVonageAdapter } from './adapter.js';
import { holdNcco, joinCallNcco, listenerNcco } from './conversation.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const APPLICATION_ID = randomUUID();
const QUEUE = `call-${randomUUID()}`;
const IDENTITY = `v${'0a'.repeat(12)}`;

let fake: FakeVonageApi;
let control: ConnectedCallControl;

beforeAll(async () => {
  fake = await FakeVonageApi.start({ applicationId: APPLICATION_ID, publicKeyPem: publicKey });
  const adapter = createVonageAdapter({
    apiKey: 'abcd1234',
    applicationId: APPLICATION_ID,
    privateKey,
    signatureSecret: 'sig-secret-0123456789',
    apiBaseUrl: fake.baseUrl,
    timeoutMs: 2000,
  });
  control = adapter.connectedCalls!;
});
freshFakeForEachTest(() => fake);

/** A caller and a volunteer in the call's conversation, as the router's documents put them. */
function connected(): ConnectedCall {
  const caller = fake.addCall('answered').uuid;
  const volunteer = fake.addCall('answered').uuid;
  fake.runNcco(caller, [{ action: 'conversation', name: QUEUE, startOnEnter: false }]);
  fake.runNcco(volunteer, joinCallNcco(QUEUE, 'test'));
  return {
    callerLegId: caller,
    volunteerLegId: volunteer,
    queue: QUEUE,
    holdPrompt: { kind: 'say', text: 'Gracias por esperar <3', language: 'es-MX' },
  };
}

const browserLeg = (timeoutSeconds = 25): VolunteerLegRequest => ({
  to: '',
  browser: IDENTITY,
  from: '+15559870002',
  answerUrl: 'https://hotline.example/api/telephony/vonage/screen?call=c1&leg=l1',
  statusUrl: 'https://hotline.example/api/telephony/vonage/leg-status?call=c1&leg=l1',
  timeoutSeconds,
});

describe('Vonage call controls', () => {
  it('builds the NCCOs by the reference: hold prompt escaped as SSML text, listener heard by nobody', () => {
    expect(holdNcco(QUEUE, { kind: 'say', text: 'a < b', language: 'en-US' })).toEqual([
      { action: 'talk', text: '<speak>a &lt; b</speak>', language: 'en-US' },
      { action: 'conversation', name: `${QUEUE}-hold`, startOnEnter: false },
    ]);
    expect(holdNcco(QUEUE, undefined)).toEqual([
      { action: 'conversation', name: `${QUEUE}-hold`, startOnEnter: false },
    ]);
    // The held caller hears the hold music after the prompt: the conversation's music on hold.
    const music = 'https://hotline.example/api/telephony/hold-music.wav';
    expect(holdNcco(QUEUE, { kind: 'say', text: 'hold on', language: 'en-US' }, music)).toEqual([
      { action: 'talk', text: '<speak>hold on</speak>', language: 'en-US' },
      { action: 'conversation', name: `${QUEUE}-hold`, startOnEnter: false, musicOnHoldUrl: [music] },
    ]);
    expect(() => holdNcco(QUEUE, undefined, 'ftp://hotline.example/a.wav')).toThrow(TelephonyInputError);
    expect(listenerNcco(QUEUE)).toEqual([
      { action: 'conversation', name: QUEUE, startOnEnter: false, endOnExit: false, canSpeak: [] },
    ]);
    // A name that is not ours never reaches an NCCO.
    expect(() => joinCallNcco('call 1"]', 'resume')).toThrow(TelephonyInputError);
  });

  it('refuses a leg id that is not a Vonage uuid before any request', async () => {
    const call = { ...connected(), callerLegId: '../../v1/files/x' };
    await expect(control.holdCaller(call, true)).rejects.toBeInstanceOf(TelephonyInputError);
    expect(fake.requests).toEqual([]);
  });

  it('holds by transfer; a caller who left is a refusal (409), not a failure', async () => {
    const call = connected();
    expect(await control.holdCaller(call, true)).toEqual({ onHold: true, changed: true });
    expect(fake.call(call.callerLegId)!.heard).toEqual(['<speak>Gracias por esperar &lt;3</speak>']);
    expect(await control.holdCaller(call, true)).toEqual({ onHold: true, changed: false });
    fake.setCallStatus(call.callerLegId, 'completed');
    await expect(control.holdCaller(call, false)).rejects.toBeInstanceOf(TelephonyInputError);
  });

  it('a transfer Vonage answers 400 (the call ended between the read and the write) is a refusal', async () => {
    const call = connected();
    fake.failNext({ status: 400, method: 'PUT' });
    await expect(control.holdCaller(call, true)).rejects.toBeInstanceOf(TelephonyInputError);
  });

  it('gives up on a hand-over nobody picks up within the time, and hangs the ringing call up', async () => {
    const call = connected();
    const { legId } = await control.ringHandOverLeg(browserLeg(), call);
    fake.setCallStatus(legId, 'ringing');
    const started = Date.now();
    expect(await control.handOverAnswered(legId, 1200, call)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.call(legId)!.status).toBe('cancelled');
    // The call was only asked after, never transferred or joined.
    expect(fake.call(legId)!.conversation).toBeNull();
  });

  it('refuses to call a phone into a call, and a ringing time Vonage does not take', async () => {
    const call = connected();
    const { browser: _browser, ...phone } = browserLeg();
    await expect(control.ringHandOverLeg({ ...phone, to: '+15551230001' }, call)).rejects.toBeInstanceOf(
      TelephonyInputError,
    );
    await expect(control.ringHandOverLeg(browserLeg(121), call)).rejects.toBeInstanceOf(TelephonyInputError);
    expect(fake.requests).toEqual([]);
  });
});

describe('the fake plays Vonage', () => {
  it('a member joined with endOnExit ends the conversation when hung up: the others go on with their NCCO', () => {
    // Why the volunteer joins without endOnExit: a hand-over hangs the first volunteer up while
    // the colleague is in the conversation, and endOnExit would take the colleague out with them.
    const first = fake.addCall('answered').uuid;
    const colleague = fake.addCall('answered').uuid;
    const name = `call-${randomUUID()}`;
    fake.runNcco(first, [{ action: 'conversation', name, startOnEnter: true, endOnExit: true }]);
    fake.runNcco(colleague, joinCallNcco(name, 'test'));
    expect(fake.hears(first, colleague)).toBe(true);
    fake.setCallStatus(first, 'completed');
    expect(fake.call(colleague)!.status).toBe('completed');
    expect(fake.conversations.get(name)!.status).toBe('completed');
  });

  it('refuses an NCCO Vonage would refuse', () => {
    const leg = fake.addCall('answered').uuid;
    expect(() => fake.runNcco(leg, [{ action: 'conversation', name: 'x', canSpeak: ['bob'] }])).toThrow(
      /canSpeak/,
    );
    expect(() => fake.runNcco(leg, [])).toThrow(/non-empty/);
  });
});
