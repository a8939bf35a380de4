/**
 * The Vonage adapter's REST side against the local fake Vonage API: method, path, JWT auth and
 * JSON body of every operation, outcomes of cancel, typed errors, and the recording host guard.
 */
import { generateKeyPairSync } from 'node:crypto';
import { verifySignature } from '@vonage/jwt';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshFakeForEachTest, volunteerLegFor } from '../../../test/adapter-rest.js';
import { FakeVonageApi } from '../../../test/fakes/vonage-api.js';
import { recordingBytes } from '../../../test/recordings.js';
import {
  ProviderHttpError,
  ProviderTimeoutError,
  ProviderUnreachableError,
  TelephonyInputError,
} from '../errors.js';
import type { WebhookTelephony } from '../provider.js';
import { createVonageAdapter } from './adapter.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const APPLICATION_ID = '2a8e8a3f-1c1b-4a6e-9a8a-6a0d8d1f3b7c';
const LEG = volunteerLegFor('vonage');

let fake: FakeVonageApi;
let adapter: WebhookTelephony;
const options = () => ({
  apiKey: 'abcd1234',
  applicationId: APPLICATION_ID,
  privateKey,
  signatureSecret: 'sig-secret-0123456789',
  apiBaseUrl: fake.baseUrl,
  timeoutMs: 500,
});

beforeAll(async () => {
  fake = await FakeVonageApi.start({ applicationId: APPLICATION_ID, publicKeyPem: publicKey });
  adapter = createVonageAdapter(options());
});
freshFakeForEachTest(() => fake);
const last = () => fake.requests.at(-1)!;

describe('Vonage REST', () => {
  it('createVolunteerLeg: POST /v1/calls with a fresh RS256 token and the JSON body', async () => {
    const { legId } = await adapter.createVolunteerLeg(LEG);
    expect(fake.calls.get(legId)).toBeDefined();
    const request = last();
    expect(request).toMatchObject({ method: 'POST', path: '/v1/calls' });
    expect(request.claims).toMatchObject({ application_id: APPLICATION_ID });
    expect(request.json).toEqual({
      to: [{ type: 'phone', number: '15551230001' }],
      from: { type: 'phone', number: '15559870002' },
      answer_url: [LEG.answerUrl],
      answer_method: 'POST',
      event_url: [LEG.statusUrl],
      event_method: 'POST',
      ringing_timeout: 25,
    });
  });

  it('the bearer token is one Vonage’s SDK verifies, fresh per request', async () => {
    const seen: string[] = [];
    const spy = createVonageAdapter({
      ...options(),
      fetch: (input, init) => {
        seen.push(String((init?.headers as Record<string, string> | undefined)?.authorization));
        return fetch(input, init);
      },
    });
    await spy.createVolunteerLeg(LEG);
    await spy.createVolunteerLeg(LEG);
    const tokens = seen.map((h) => h.replace(/^Bearer /, ''));
    expect(tokens.every((t) => verifySignature(t, publicKey))).toBe(true);
    expect(new Set(tokens).size).toBe(2);
  });

  it('validates numbers, URLs and the ringing timeout before sending anything', async () => {
    for (const change of [
      { to: '5551230001' },
      { from: '+1' },
      { answerUrl: '/a' },
      { statusUrl: 'ftp://x/' },
      { timeoutSeconds: 121 },
    ])
      await expect(adapter.createVolunteerLeg({ ...LEG, ...change }), JSON.stringify(change)).rejects.toThrow(
        TelephonyInputError,
      );
    expect(fake.requests).toEqual([]);
  });

  it('cancelLeg: reads the state, then PUTs hangup; ringing → canceled, answered → completed, over → already-ended', async () => {
    const ringing = fake.addCall('ringing');
    expect(await adapter.cancelLeg(ringing.uuid)).toBe('canceled');
    expect(fake.requests.map((r) => [r.method, r.path, r.json])).toEqual([
      ['GET', `/v1/calls/${ringing.uuid}`, undefined],
      ['PUT', `/v1/calls/${ringing.uuid}`, { action: 'hangup' }],
    ]);
    expect(ringing.status).toBe('cancelled');
    const answered = fake.addCall('answered');
    expect(await adapter.cancelLeg(answered.uuid)).toBe('completed');
    expect(answered.status).toBe('completed');
    expect(await adapter.cancelLeg(fake.addCall('busy').uuid)).toBe('already-ended');
    expect(await adapter.cancelLeg('aaaaaaaa-bbbb-cccc-dddd-0123456789ab')).toBe('already-ended');
  });

  it('cancelLeg: a leg that ends between the read and the hangup is already-ended, not an error', async () => {
    const call = fake.addCall('ringing');
    // The hangup is slow and then refused; meanwhile the caller's phone stops ringing.
    fake.delayNext({ ms: 100, method: 'PUT' });
    fake.failNext({ status: 400, method: 'PUT' });
    const outcome = adapter.cancelLeg(call.uuid);
    setTimeout(() => {
      call.status = 'unanswered';
    }, 30);
    expect(await outcome).toBe('already-ended');
  });

  it('hangUp and redirectCall: PUT hangup / transfer to an NCCO URL; hanging up an ended call is fine', async () => {
    const call = fake.addCall('answered');
    await adapter.redirectCall(call.uuid, 'https://hotline.example/vm');
    expect(last()).toMatchObject({
      method: 'PUT',
      path: `/v1/calls/${call.uuid}`,
      json: { action: 'transfer', destination: { type: 'ncco', url: ['https://hotline.example/vm'] } },
    });
    await adapter.hangUp(call.uuid);
    expect(call.status).toBe('completed');
    await expect(adapter.hangUp(call.uuid)).resolves.toBeUndefined();
    await expect(adapter.redirectCall(call.uuid, 'https://hotline.example/vm')).rejects.toThrow(
      ProviderHttpError,
    );
  });

  it('refuses ids that are not UUIDs before sending', async () => {
    for (const id of ['../calls', 'CA0123', `${'a'.repeat(36)}`, 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab/x'])
      await expect(adapter.hangUp(id), id).rejects.toThrow(TelephonyInputError);
    expect(fake.requests).toEqual([]);
  });

  it('recordings: fetched and deleted by the canonical Vonage URL; a second delete is fine', async () => {
    const id = fake.addFile(new Uint8Array([1, 2, 3]));
    const ref = `https://api-us.nexmo.com/v1/files/${id}`;
    const recording = await recordingBytes(adapter.fetchRecording(ref));
    expect(recording).toEqual({ bytes: new Uint8Array([1, 2, 3]), contentType: 'audio/mpeg' });
    expect(last()).toMatchObject({ method: 'GET', path: `/v1/files/${id}` });
    expect(last().claims).toMatchObject({ application_id: APPLICATION_ID });
    await adapter.deleteRecording(ref);
    expect(fake.files.get(id)!.deleted).toBe(true);
    await expect(adapter.deleteRecording(ref)).resolves.toBeUndefined();
  });

  it('recordings: any other host or shape is refused without a request (SSRF guard)', async () => {
    const id = 'bbbbbbbb-aaaa-cccc-dddd-0123456789ab';
    for (const ref of [
      `https://evil.example/v1/files/${id}`,
      `http://api.nexmo.com/v1/files/${id}`,
      `https://api.nexmo.com/v1/calls/${id}`,
      `https://127.0.0.1/v1/files/${id}`,
      id,
    ]) {
      await expect(adapter.fetchRecording(ref), ref).rejects.toThrow(TelephonyInputError);
      await expect(adapter.deleteRecording(ref), ref).rejects.toThrow(TelephonyInputError);
    }
    expect(fake.requests).toEqual([]);
  });

  it('typed errors: wrong key → 401 whose message holds no token; timeout; unreachable', async () => {
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const wrong = createVonageAdapter({ ...options(), privateKey: other.privateKey });
    const error = await wrong.createVolunteerLeg(LEG).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ status: 401, provider: 'vonage', operation: 'create leg' });
    expect((error as Error).message).toContain('not ours');
    expect((error as Error).message).not.toMatch(/eyJ/);

    fake.delayNext({ ms: 2000, method: 'POST' });
    await expect(adapter.createVolunteerLeg(LEG)).rejects.toThrow(ProviderTimeoutError);

    const closed = createVonageAdapter({ ...options(), apiBaseUrl: 'http://127.0.0.1:1' });
    await expect(closed.createVolunteerLeg(LEG)).rejects.toThrow(ProviderUnreachableError);

    fake.failNext({ status: 500, method: 'POST' });
    await expect(adapter.createVolunteerLeg(LEG)).rejects.toMatchObject({ status: 500 });
  });
});
