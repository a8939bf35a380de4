/** The SignalWire adapter's REST side: the compatibility API paths, project auth, UUID ids. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingBytes } from '../../../test/recordings.js';
import { TelephonyInputError } from '../errors.js';
import type { WebhookTelephony } from '../provider.js';
import { FakeTwilioApi } from '../simulator/fake-twilio-api.js';
import { createSignalWireAdapter, SIGNALWIRE_API_PATH } from './adapter.js';

const PROJECT = randomUUID();
const API_TOKEN = 'PT0123456789abcdef0123456789abcdef';
let fake: FakeTwilioApi;
let adapter: WebhookTelephony;

beforeAll(async () => {
  fake = await FakeTwilioApi.start({
    accountSid: PROJECT,
    authToken: API_TOKEN,
    apiPath: SIGNALWIRE_API_PATH,
    idStyle: 'uuid',
  });
  adapter = createSignalWireAdapter({
    projectId: PROJECT,
    apiToken: API_TOKEN,
    spaceUrl: fake.baseUrl,
    signingKey: 'PSK_0123456789abcdef',
  });
});
afterAll(() => fake.close());

describe('SignalWire compatibility REST', () => {
  it('creates, cancels and hangs up legs under /api/laml/2010-04-01/Accounts/<project>', async () => {
    const { legId } = await adapter.createVolunteerLeg({
      to: '+15551230001',
      from: '+15559870002',
      answerUrl: 'https://hotline.example/a',
      statusUrl: 'https://hotline.example/s',
      timeoutSeconds: 20,
    });
    expect(legId).toMatch(/^[0-9a-f-]{36}$/);
    const created = fake.requests.at(-1)!;
    expect(created.path).toBe(`/api/laml/2010-04-01/Accounts/${PROJECT}/Calls.json`);
    expect(created.auth).toEqual({ username: PROJECT, password: API_TOKEN });
    fake.setCallStatus(legId, 'ringing');
    expect(await adapter.cancelLeg(legId)).toBe('canceled');
    expect(fake.requests.at(-1)!.path).toBe(`/api/laml/2010-04-01/Accounts/${PROJECT}/Calls/${legId}.json`);
  });

  it('fetches and deletes recordings by UUID', async () => {
    const recording = fake.addRecording(randomUUID(), new Uint8Array([9, 9, 9]));
    expect((await recordingBytes(adapter.fetchRecording(recording.sid))).bytes).toEqual(
      new Uint8Array([9, 9, 9]),
    );
    await adapter.deleteRecording(recording.sid);
    expect(recording.deleted).toBe(true);
  });

  it('refuses Twilio-style or malformed ids before sending', async () => {
    const before = fake.requests.length;
    await expect(adapter.cancelLeg(`CA${'0'.repeat(32)}`)).rejects.toThrow(TelephonyInputError);
    await expect(adapter.fetchRecording('../x')).rejects.toThrow(TelephonyInputError);
    expect(fake.requests.length).toBe(before);
  });
});
