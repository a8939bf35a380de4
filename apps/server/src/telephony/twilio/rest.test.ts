/**
 * The Twilio adapter's REST side against the local fake Twilio API: what it asks for (method,
 * path, auth, form fields), how it reads answers, and its typed errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { freshFakeForEachTest, volunteerLegFor } from '../../../test/adapter-rest.js';
import { recordingBytes } from '../../../test/recordings.js';
import {
  ProviderHttpError,
  ProviderResponseError,
  ProviderTimeoutError,
  ProviderUnreachableError,
  TelephonyInputError,
} from '../errors.js';
import { ProviderHttp } from '../http.js';
import type { VolunteerLegRequest, WebhookTelephony } from '../provider.js';
import { FakeTwilioApi } from '../simulator/fake-twilio-api.js';
import { createTwilioAdapter, TWILIO_IDS } from './adapter.js';
import { TwilioRestClient } from './rest.js';

const ACCOUNT = `AC${'1'.repeat(32)}`;
const TOKEN = 'test-auth-token-0123456789';
const ACCOUNT_PATH = `/2010-04-01/Accounts/${ACCOUNT}`;

const LEG = volunteerLegFor('twilio');

let fake: FakeTwilioApi;
let adapter: WebhookTelephony;

beforeAll(async () => {
  fake = await FakeTwilioApi.start({ accountSid: ACCOUNT, authToken: TOKEN });
  adapter = createTwilioAdapter({
    accountSid: ACCOUNT,
    authToken: TOKEN,
    apiBaseUrl: fake.baseUrl,
    timeoutMs: 500,
  });
});
freshFakeForEachTest(() => fake);

const last = () => fake.requests.at(-1)!;

describe('createVolunteerLeg', () => {
  it('POSTs Calls.json with basic auth and the form fields, and returns the call sid', async () => {
    const { legId } = await adapter.createVolunteerLeg(LEG);
    expect(legId).toMatch(/^CA[0-9a-f]{32}$/);
    const request = last();
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`${ACCOUNT_PATH}/Calls.json`);
    expect(request.auth).toEqual({ username: ACCOUNT, password: TOKEN });
    expect(request.form).toEqual([
      ['To', LEG.to],
      ['From', LEG.from],
      ['Url', LEG.answerUrl],
      ['Method', 'POST'],
      ['StatusCallback', LEG.statusUrl],
      ['StatusCallbackMethod', 'POST'],
      // Only the end: a placed leg is live from the API's answer, its ringing would be a webhook nothing reads.
      ['StatusCallbackEvent', 'completed'],
      ['Timeout', '25'],
    ]);
    expect(fake.call(legId)).toMatchObject({
      to: LEG.to,
      status: 'queued',
      url: LEG.answerUrl,
      timeoutSeconds: 25,
    });
  });

  it('validates numbers, URLs and the timeout before sending anything', async () => {
    const bad: Partial<VolunteerLegRequest>[] = [
      { to: '5551230001' },
      { to: '+1555' },
      { from: '+0123456789' },
      { to: '+15551230001\n' },
      { answerUrl: '/relative' },
      { statusUrl: 'ftp://x.example/' },
      { answerUrl: 'https://user:pw@h.example/' },
      { timeoutSeconds: 0 },
      { timeoutSeconds: 2.5 },
    ];
    for (const change of bad)
      await expect(adapter.createVolunteerLeg({ ...LEG, ...change }), JSON.stringify(change)).rejects.toThrow(
        TelephonyInputError,
      );
    expect(fake.requests).toEqual([]);
  });

  it('a wrong token is a ProviderHttpError 401 whose message holds neither token nor number', async () => {
    const wrong = createTwilioAdapter({
      accountSid: ACCOUNT,
      authToken: 'wrong-token-xyz',
      apiBaseUrl: fake.baseUrl,
    });
    const error = await wrong.createVolunteerLeg(LEG).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({
      status: 401,
      providerCode: 20003,
      provider: 'twilio',
      operation: 'create leg',
    });
    expect((error as Error).message).not.toContain('wrong-token-xyz');
  });

  it('provider error messages show phone numbers by their last 4 digits only', async () => {
    fake.failNext({
      status: 400,
      code: 21205,
      message: `The 'To' number ${LEG.to} is not a valid phone number.`,
    });
    const error = (await adapter.createVolunteerLeg(LEG).catch((e: unknown) => e)) as ProviderHttpError;
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error.providerCode).toBe(21205);
    expect(error.message).not.toContain(LEG.to);
    expect(error.message).toContain('0001');
  });

  it('a provider failing (5xx) is a ProviderHttpError', async () => {
    fake.failNext({ status: 503, code: 20503, method: 'POST', pathIncludes: '/Calls.json' });
    await expect(adapter.createVolunteerLeg(LEG)).rejects.toMatchObject({
      name: 'ProviderHttpError',
      status: 503,
    });
  });

  it('a provider too slow to answer is a ProviderTimeoutError', async () => {
    fake.delayNext({ ms: 2000, pathIncludes: '/Calls.json' });
    const started = Date.now();
    await expect(adapter.createVolunteerLeg(LEG)).rejects.toThrow(ProviderTimeoutError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('an answer without a valid sid is a ProviderResponseError', async () => {
    const answers = [JSON.stringify({ sid: '../../x' }), 'not json', '[]'];
    for (const body of answers) {
      const stub = createTwilioAdapter({
        accountSid: ACCOUNT,
        authToken: TOKEN,
        fetch: async () => new Response(body, { status: 201 }),
      });
      await expect(stub.createVolunteerLeg(LEG), body).rejects.toThrow(ProviderResponseError);
    }
  });

  it('an unreachable provider is a ProviderUnreachableError', async () => {
    const closed = await FakeTwilioApi.start({ accountSid: ACCOUNT, authToken: TOKEN });
    const baseUrl = closed.baseUrl;
    await closed.close();
    const gone = createTwilioAdapter({ accountSid: ACCOUNT, authToken: TOKEN, apiBaseUrl: baseUrl });
    await expect(gone.createVolunteerLeg(LEG)).rejects.toThrow(ProviderUnreachableError);
  });

  it('rings a browser as client:<identity>, telling the Voice SDK the hotline call as callId', async () => {
    const browser = `v${'0a'.repeat(12)}`;
    const call = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const to = async (answerUrl: string) => {
      await adapter.createVolunteerLeg({ ...LEG, to: '', browser, answerUrl });
      return last().form.find(([name]) => name === 'To')?.[1];
    };
    expect(await to(`https://hotline.example/api/telephony/twilio/screen?call=${call}&leg=l1`)).toBe(
      `client:${browser}?callId=${call}`,
    );
    // No call id, or not one: the plain address (nothing odd goes into Twilio's query).
    expect(await to('https://hotline.example/api/telephony/twilio/screen?leg=l1')).toBe(`client:${browser}`);
    expect(await to('https://hotline.example/api/telephony/twilio/screen?call=c1%26x%3D1')).toBe(
      `client:${browser}`,
    );
  });
});

describe('cancelLeg, hangUp, redirectCall', () => {
  it('cancels a ringing leg with Status=canceled', async () => {
    const { legId } = await adapter.createVolunteerLeg(LEG);
    fake.setCallStatus(legId, 'ringing');
    expect(await adapter.cancelLeg(legId)).toBe('canceled');
    expect(last()).toMatchObject({
      method: 'POST',
      path: `${ACCOUNT_PATH}/Calls/${legId}.json`,
      form: [['Status', 'canceled']],
    });
    expect(fake.call(legId)?.status).toBe('canceled');
  });

  it('hangs up a leg that was answered meanwhile (canceled has no effect on it)', async () => {
    const { legId } = await adapter.createVolunteerLeg(LEG);
    fake.setCallStatus(legId, 'in-progress');
    expect(await adapter.cancelLeg(legId)).toBe('completed');
    expect(fake.requests.slice(-2).map((r) => r.form)).toEqual([
      [['Status', 'canceled']],
      [['Status', 'completed']],
    ]);
    expect(fake.call(legId)?.status).toBe('completed');
  });

  it('cancelling an ended leg is not an error (webhooks and cancels race)', async () => {
    const { legId } = await adapter.createVolunteerLeg(LEG);
    fake.setCallStatus(legId, 'no-answer');
    expect(await adapter.cancelLeg(legId)).toBe('already-ended');
  });

  it('hangUp sends Status=completed and tolerates an ended call', async () => {
    const { legId } = await adapter.createVolunteerLeg(LEG);
    fake.setCallStatus(legId, 'in-progress');
    await adapter.hangUp(legId);
    expect(last().form).toEqual([['Status', 'completed']]);
    expect(fake.call(legId)?.status).toBe('completed');
    await expect(adapter.hangUp(legId)).resolves.toBeUndefined();
  });

  it('redirectCall sends Url and Method=POST', async () => {
    const { legId } = await adapter.createVolunteerLeg(LEG);
    fake.setCallStatus(legId, 'in-progress');
    const url = 'https://hotline.example/api/telephony/twilio/voicemail?call=c1';
    await adapter.redirectCall(legId, url);
    expect(last().form).toEqual([
      ['Url', url],
      ['Method', 'POST'],
    ]);
    expect(fake.call(legId)?.redirects).toEqual([url]);
  });

  it('redirecting a call that ended is a ProviderHttpError (code 21220)', async () => {
    const { legId } = await adapter.createVolunteerLeg(LEG);
    fake.setCallStatus(legId, 'completed');
    await expect(adapter.redirectCall(legId, 'https://h.example/vm')).rejects.toMatchObject({
      providerCode: 21220,
    });
  });

  it('refuses a malformed id before sending (ids go into the URL path)', async () => {
    for (const id of ['../Recordings/RE1', 'CA123', `CA${'0'.repeat(32)}?x=1`, ''])
      await expect(adapter.cancelLeg(id), id).rejects.toThrow(TelephonyInputError);
    await expect(adapter.hangUp('x/../y')).rejects.toThrow(TelephonyInputError);
    await expect(adapter.redirectCall(`CA${'0'.repeat(32)}`, 'not a url')).rejects.toThrow(
      TelephonyInputError,
    );
    expect(fake.requests).toEqual([]);
  });
});

describe('recordings', () => {
  it('fetches the mp3 with basic auth, then deletes it; a second delete is not an error', async () => {
    const audio = new Uint8Array([0x49, 0x44, 0x33, 1, 2, 3]);
    const recording = fake.addRecording(`CA${'2'.repeat(32)}`, audio);
    const fetched = await recordingBytes(adapter.fetchRecording(recording.sid));
    expect(fetched.bytes).toEqual(audio);
    expect(fetched.contentType).toBe('audio/mpeg');
    expect(last()).toMatchObject({ method: 'GET', path: `${ACCOUNT_PATH}/Recordings/${recording.sid}.mp3` });
    expect(last().auth).toEqual({ username: ACCOUNT, password: TOKEN });

    await adapter.deleteRecording(recording.sid);
    expect(last()).toMatchObject({
      method: 'DELETE',
      path: `${ACCOUNT_PATH}/Recordings/${recording.sid}.json`,
    });
    expect(recording.deleted).toBe(true);
    await expect(adapter.deleteRecording(recording.sid)).resolves.toBeUndefined();
    await expect(adapter.fetchRecording(recording.sid)).rejects.toMatchObject({ status: 404 });
  });

  it('can fetch wav instead', async () => {
    const recording = fake.addRecording(`CA${'2'.repeat(32)}`, new Uint8Array([0x52, 0x49, 0x46, 0x46]));
    const http = new ProviderHttp({
      provider: 'twilio',
      baseUrl: `${fake.baseUrl}/2010-04-01`,
      username: ACCOUNT,
      password: TOKEN,
    });
    const wav = new TwilioRestClient({
      http,
      accountSid: ACCOUNT,
      ids: { provider: 'twilio', ...TWILIO_IDS },
      recordingFormat: 'wav',
    });
    const fetched = await wav.fetchRecording(recording.sid);
    expect(fetched.contentType).toBe('audio/x-wav');
    expect(last().path).toBe(`${ACCOUNT_PATH}/Recordings/${recording.sid}.wav`);
  });

  it('a failing delete is an error, not a silent success (the copy would stay at the provider)', async () => {
    const recording = fake.addRecording(`CA${'2'.repeat(32)}`, new Uint8Array([1]));
    fake.failNext({ status: 500, method: 'DELETE' });
    await expect(adapter.deleteRecording(recording.sid)).rejects.toThrow(ProviderHttpError);
    expect(recording.deleted).toBe(false);
  });

  it('refuses a recording ref that is not a RecordingSid', async () => {
    await expect(adapter.fetchRecording('https://evil.example/a.mp3')).rejects.toThrow(TelephonyInputError);
    await expect(adapter.deleteRecording('RE../../Calls')).rejects.toThrow(TelephonyInputError);
  });
});
