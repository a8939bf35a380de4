/** The Plivo adapter's REST side against the local fake Plivo API. */
import { beforeAll, describe, expect, it } from 'vitest';
import { freshFakeForEachTest, volunteerLegFor } from '../../../test/adapter-rest.js';
import { FakePlivoApi } from '../../../test/fakes/plivo-api.js';
import { recordingBytes } from '../../../test/recordings.js';
import {
  ProviderHttpError,
  ProviderResponseError,
  ProviderTimeoutError,
  ProviderUnreachableError,
  TelephonyInputError,
} from '../errors.js';
import type { WebhookTelephony } from '../provider.js';
import { createPlivoAdapter } from './adapter.js';

const AUTH_ID = 'MAXXXXXXXXXXXXXXXXXX';
const AUTH_TOKEN = 'plivo-auth-token-0123456789';
const ACCOUNT = `/v1/Account/${AUTH_ID}`;
const LEG = volunteerLegFor('plivo');

let fake: FakePlivoApi;
let adapter: WebhookTelephony;
beforeAll(async () => {
  fake = await FakePlivoApi.start({ authId: AUTH_ID, authToken: AUTH_TOKEN });
  adapter = createPlivoAdapter({
    authId: AUTH_ID,
    authToken: AUTH_TOKEN,
    apiBaseUrl: fake.baseUrl,
    timeoutMs: 500,
  });
});
freshFakeForEachTest(() => fake);
const last = () => fake.requests.at(-1)!;

describe('Plivo REST', () => {
  it('createVolunteerLeg: POST /Call/ with basic auth and JSON; the leg id is the request_uuid', async () => {
    const { legId } = await adapter.createVolunteerLeg(LEG);
    expect(fake.calls.get(legId)?.state).toBe('ringing');
    expect(last()).toMatchObject({
      method: 'POST',
      path: `${ACCOUNT}/Call/`,
      auth: { username: AUTH_ID, password: AUTH_TOKEN },
    });
    expect(last().json).toEqual({
      from: '15559870002',
      to: '15551230001',
      answer_url: LEG.answerUrl,
      answer_method: 'POST',
      // No ring_url: a placed leg is live from the API's answer, its ringing would be a webhook nothing reads.
      hangup_url: LEG.statusUrl,
      hangup_method: 'POST',
      ring_timeout: 25,
    });
  });

  it('names the hotline call to the browser SDK in an X-PH- header (letters and digits only), only on browser legs', async () => {
    const browser = `v${'0b'.repeat(12)}`;
    const call = '6F1C2B3A-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const leg = (answerUrl: string) => ({ ...LEG, to: '', browser, answerUrl });
    await adapter.createVolunteerLeg(
      leg(`https://hotline.example/api/telephony/plivo/screen?call=${call}&leg=l1`),
    );
    expect(last().json).toMatchObject({
      to: `sip:${browser}@phone.plivo.com`,
      sip_headers: 'callId=6f1c2b3a4d5e4f608a7b9c0d1e2f3a4b',
    });
    // No call id, or not one (a header injection attempt): no header at all.
    for (const url of [
      'https://hotline.example/api/telephony/plivo/screen?leg=l1',
      'https://hotline.example/screen?call=c1%2Cx%3D1',
    ]) {
      await adapter.createVolunteerLeg(leg(url));
      expect(last().json).not.toHaveProperty('sip_headers');
    }
    // A phone leg never carries it.
    await adapter.createVolunteerLeg({ ...LEG, answerUrl: `https://hotline.example/screen?call=${call}` });
    expect(last().json).not.toHaveProperty('sip_headers');
  });

  it('validates before sending anything', async () => {
    for (const change of [{ to: '555' }, { answerUrl: 'x' }, { timeoutSeconds: 4 }])
      await expect(adapter.createVolunteerLeg({ ...LEG, ...change })).rejects.toThrow(TelephonyInputError);
    await expect(adapter.hangUp('../../Account')).rejects.toThrow(TelephonyInputError);
    expect(fake.requests).toEqual([]);
  });

  it('cancelLeg: ringing → DELETE /Request/ (canceled); answered → DELETE /Call/ (completed); over → already-ended', async () => {
    const ringing = fake.addCall('ringing');
    expect(await adapter.cancelLeg(ringing.uuid)).toBe('canceled');
    expect(last()).toMatchObject({ method: 'DELETE', path: `${ACCOUNT}/Request/${ringing.uuid}/` });
    const answered = fake.addCall('in-progress');
    expect(await adapter.cancelLeg(answered.uuid)).toBe('completed');
    expect(fake.requests.slice(-2).map((r) => [r.method, r.path])).toEqual([
      ['DELETE', `${ACCOUNT}/Request/${answered.uuid}/`],
      ['DELETE', `${ACCOUNT}/Call/${answered.uuid}/`],
    ]);
    expect(answered.state).toBe('completed');
    expect(await adapter.cancelLeg(answered.uuid)).toBe('already-ended');
  });

  it('hangUp (ended is fine) and redirectCall (transfer with aleg_url)', async () => {
    const call = fake.addCall('in-progress');
    await adapter.redirectCall(call.uuid, 'https://hotline.example/vm');
    expect(last()).toMatchObject({
      method: 'POST',
      path: `${ACCOUNT}/Call/${call.uuid}/`,
      json: { legs: 'aleg', aleg_url: 'https://hotline.example/vm', aleg_method: 'POST' },
    });
    await adapter.hangUp(call.uuid);
    expect(call.state).toBe('completed');
    await expect(adapter.hangUp(call.uuid)).resolves.toBeUndefined();
  });

  it('recordings: details, then the file from the media host; delete; a second delete is fine', async () => {
    const id = fake.addRecording(new Uint8Array([7, 8]));
    expect(await recordingBytes(adapter.fetchRecording(id))).toEqual({
      bytes: new Uint8Array([7, 8]),
      contentType: 'audio/mpeg',
    });
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', `${ACCOUNT}/Recording/${id}/`],
      ['GET', `/media/${AUTH_ID}/Recording/${id}.mp3`],
    ]);
    await adapter.deleteRecording(id);
    expect(last()).toMatchObject({ method: 'DELETE', path: `${ACCOUNT}/Recording/${id}/` });
    await expect(adapter.deleteRecording(id)).resolves.toBeUndefined();
  });

  it('recordings: a file URL off Plivo’s media host is refused (SSRF guard)', async () => {
    for (const url of [
      'https://evil.example/x.mp3',
      'http://media.plivo.com/x.mp3',
      'https://media.plivo.com.evil.example/x.mp3',
      'https://169.254.169.254/latest',
    ]) {
      const id = fake.addRecording(new Uint8Array([1]), url);
      await expect(adapter.fetchRecording(id), url).rejects.toThrow(ProviderResponseError);
    }
    expect(
      fake.requests.every(
        (r) => r.path.includes('/Recording/') && r.method === 'GET' && r.path.startsWith(ACCOUNT),
      ),
    ).toBe(true);
  });

  it('typed errors: 401 without the token in the message, 5xx, timeout, unreachable', async () => {
    const wrong = createPlivoAdapter({
      authId: AUTH_ID,
      authToken: 'wrong-token-xyz',
      apiBaseUrl: fake.baseUrl,
    });
    const error = await wrong.createVolunteerLeg(LEG).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ status: 401, provider: 'plivo' });
    expect((error as Error).message).toContain('Authentication credentials invalid');
    expect((error as Error).message).not.toContain('wrong-token-xyz');
    fake.failNext({ status: 503, method: 'POST' });
    await expect(adapter.createVolunteerLeg(LEG)).rejects.toMatchObject({ status: 503 });
    fake.delayNext({ ms: 2000, method: 'POST' });
    await expect(adapter.createVolunteerLeg(LEG)).rejects.toThrow(ProviderTimeoutError);
    const closed = createPlivoAdapter({
      authId: AUTH_ID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: 'http://127.0.0.1:1',
    });
    await expect(closed.createVolunteerLeg(LEG)).rejects.toThrow(ProviderUnreachableError);
  });
});
