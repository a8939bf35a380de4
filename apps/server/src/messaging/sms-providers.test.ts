import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { verifySignature } from '@vonage/jwt';
import plivo from 'plivo';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecordingIngest } from '../../test/fakes/recording-ingest.js';
import { FakeSmsApi } from '../../test/fakes/sms-apis.js';
import { createTestHotline, PUBLIC_URL, type TestHotline } from '../../test/helpers.js';
import { plivoRequest } from '../../test/plivo-webhooks.js';
import { vonageRequest, vonageToken } from '../../test/vonage-webhooks.js';
import { twilioSignature } from '../telephony/twilio/signature.js';
import { saveChannelConfig } from './config-service.js';
import { createChannel } from './registry.js';
import { FakeMessagesApi } from './simulator/fake-messages-api.js';

/**
 * SignalWire, Plivo and Vonage SMS through POST /api/messaging/<channel>/inbound|status: each
 * provider's own signature scheme (checked against the official SDKs where one is installed),
 * refusal of unsigned and mis-signed deliveries, retried ids passed on unchanged, malformed
 * payloads as 400, and replies and media against local fakes of their APIs.
 */
const HOTLINE = '+15550100100';
const CONTACT = '+15550100234';
const SYSTEM = { pubkey: null, ipHash: null };

const PLIVO = { authId: 'MAZDQ1ZJIYMDZKMJQ2ZG', authToken: randomBytes(16).toString('hex') };
const SIGNALWIRE = {
  projectId: randomUUID(),
  apiToken: `PT${randomBytes(16).toString('hex')}`,
  signingKey: `PSK_${randomBytes(16).toString('hex')}`,
  spaceUrl: 'https://example.signalwire.com',
};
const VONAGE = {
  applicationId: randomUUID(),
  apiKey: 'abcd1234',
  signatureSecret: randomBytes(16).toString('hex'),
  privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
};

let h: TestHotline;
let plivoApi: FakeSmsApi;
let vonageApi: FakeSmsApi;
let signalwireApi: FakeMessagesApi;
const ingest = new RecordingIngest();

const url = (channel: string, step = 'inbound') => `${PUBLIC_URL}/api/messaging/${channel}/${step}`;
const send = (target: string, init: RequestInit) => h.app.request(target, init);

beforeAll(async () => {
  h = await createTestHotline();
  plivoApi = await FakeSmsApi.start(
    (a) => a === `Basic ${Buffer.from(`${PLIVO.authId}:${PLIVO.authToken}`).toString('base64')}`,
  );
  vonageApi = await FakeSmsApi.start((a) => a.startsWith('Bearer '));
  signalwireApi = await FakeMessagesApi.start({
    accountSid: SIGNALWIRE.projectId,
    authToken: SIGNALWIRE.apiToken,
    apiPath: '/api/laml/2010-04-01',
    idStyle: 'uuid',
  });
  h.ctx.messaging.ingest = ingest;
  Object.assign(h.ctx.messaging.overrides, {
    'plivo-sms': { apiBaseUrl: plivoApi.baseUrl, timeoutMs: 500 },
    vonage: { apiBaseUrl: vonageApi.baseUrl, timeoutMs: 500 },
    'signalwire-sms': { apiBaseUrl: signalwireApi.baseUrl, timeoutMs: 500 },
  });
  await saveChannelConfig(h.ctx, SYSTEM, 'plivo-sms', { ...PLIVO, phoneNumbers: [HOTLINE] });
  await saveChannelConfig(h.ctx, SYSTEM, 'vonage', { ...VONAGE, phoneNumbers: [HOTLINE] });
  await saveChannelConfig(h.ctx, SYSTEM, 'signalwire-sms', { ...SIGNALWIRE, phoneNumbers: [HOTLINE] });
});
afterAll(async () => {
  await Promise.all([plivoApi?.close(), vonageApi?.close(), signalwireApi?.close()]);
  await h?.close();
});
beforeEach(() => ingest.clear());

describe('Plivo SMS', () => {
  const params = (uuid: string = randomUUID(), extra: Record<string, string> = {}) => ({
    MessageUUID: uuid,
    From: CONTACT.slice(1),
    To: HOTLINE.slice(1),
    Text: 'ayuda',
    Type: 'sms',
    ...extra,
  });

  it('takes a V3-signed message (the signature the Plivo SDK validates) and passes retries on', async () => {
    const p = params();
    const init = plivoRequest(PLIVO.authToken, url('plivo-sms'), p);
    const headers = init.headers as Record<string, string>;
    const validate = (plivo as unknown as { validateV3Signature: (...a: unknown[]) => boolean })
      .validateV3Signature;
    expect(
      validate(
        'POST',
        url('plivo-sms'),
        headers['x-plivo-signature-v3-nonce'],
        PLIVO.authToken,
        headers['x-plivo-signature-v3'],
        p,
      ),
    ).toBe(true);
    expect((await send(url('plivo-sms'), init)).status).toBe(200);
    expect((await send(url('plivo-sms'), plivoRequest(PLIVO.authToken, url('plivo-sms'), p))).status).toBe(
      200,
    );
    expect(ingest.received.map((r) => r.message)).toEqual([
      { providerMessageId: p.MessageUUID, from: CONTACT, to: HOTLINE, body: 'ayuda', media: [] },
      { providerMessageId: p.MessageUUID, from: CONTACT, to: HOTLINE, body: 'ayuda', media: [] },
    ]);
  });

  it('refuses unsigned, mis-signed and nonce-less deliveries with 403', async () => {
    const p = params();
    expect((await send(url('plivo-sms'), plivoRequest(null, url('plivo-sms'), p))).status).toBe(403);
    expect((await send(url('plivo-sms'), plivoRequest('x'.repeat(32), url('plivo-sms'), p))).status).toBe(
      403,
    );
    const init = plivoRequest(PLIVO.authToken, url('plivo-sms'), p);
    delete (init.headers as Record<string, string>)['x-plivo-signature-v3-nonce'];
    expect((await send(url('plivo-sms'), init)).status).toBe(403);
    expect(ingest.received).toEqual([]);
  });

  it('answers 400 to malformed payloads and maps delivery reports', async () => {
    expect(
      (await send(url('plivo-sms'), plivoRequest(PLIVO.authToken, url('plivo-sms'), params('nope')))).status,
    ).toBe(400);
    const bad = params(undefined, { From: 'abc' });
    expect((await send(url('plivo-sms'), plivoRequest(PLIVO.authToken, url('plivo-sms'), bad))).status).toBe(
      400,
    );
    const uuid = randomUUID();
    const report = { MessageUUID: uuid, Status: 'undelivered', ErrorCode: '200' };
    expect(
      (
        await send(
          url('plivo-sms', 'status'),
          plivoRequest(PLIVO.authToken, url('plivo-sms', 'status'), report),
        )
      ).status,
    ).toBe(200);
    expect(ingest.statuses.map((s) => s.update)).toEqual([
      { providerMessageId: uuid, status: 'failed', errorCode: '200' },
    ]);
  });

  it('sends replies without the "+" and fetches and deletes MMS media of its own account', async () => {
    const channel = await createChannel(h.ctx, 'plivo-sms');
    const { providerMessageId } = await channel.send({ to: CONTACT, from: HOTLINE, body: 'aquí' });
    expect(providerMessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(plivoApi.sent.at(-1)!.body).toMatchObject({
      src: HOTLINE.slice(1),
      dst: CONTACT.slice(1),
      text: 'aquí',
      url: url('plivo-sms', 'status'),
    });
    const bytes = randomBytes(500);
    const ref = plivoApi.addMedia(`/v1/Account/${PLIVO.authId}/Message/${randomUUID()}/Media/abc123`, bytes);
    const chunks: Uint8Array[] = [];
    for await (const chunk of await channel.fetchMedia({ ref, contentType: null })) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    await channel.deleteMedia({ ref, contentType: null });
    await expect(channel.fetchMedia({ ref, contentType: null })).rejects.toThrow(/HTTP 404/);
    await expect(channel.fetchMedia({ ref: 'https://evil.example/x', contentType: null })).rejects.toThrow(
      /not a media item/,
    );
    plivoApi.failNext();
    await expect(channel.send({ to: CONTACT, from: HOTLINE, body: 'x' })).rejects.toMatchObject({
      retryable: true,
    });
  });
});

describe('Vonage Messages API', () => {
  const inbound = (uuid = randomUUID()) => ({
    channel: 'sms',
    message_uuid: uuid,
    to: HOTLINE.slice(1),
    from: CONTACT.slice(1),
    timestamp: '2025-02-03T12:14:25Z',
    message_type: 'text',
    text: 'ayuda',
  });

  it('takes a message whose signed JWT binds the body (the token @vonage/jwt verifies)', async () => {
    const payload = inbound();
    const token = vonageToken(VONAGE, JSON.stringify(payload));
    expect(verifySignature(token, VONAGE.signatureSecret)).toBe(true);
    expect((await send(url('vonage'), vonageRequest(VONAGE, payload))).status).toBe(200);
    expect(ingest.received[0]!.message).toEqual({
      providerMessageId: payload.message_uuid,
      from: CONTACT,
      to: HOTLINE,
      body: 'ayuda',
      media: [],
    });
  });

  it('refuses unsigned, mis-signed, stale and body-swapped deliveries with 403', async () => {
    const payload = inbound();
    const body = JSON.stringify(payload);
    expect((await send(url('vonage'), vonageRequest(null, payload))).status).toBe(403);
    const wrong = vonageToken(VONAGE, body, { secret: 'another-secret-value' });
    expect(
      (
        await send(url('vonage'), {
          ...vonageRequest(null, payload),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${wrong}` },
        })
      ).status,
    ).toBe(403);
    const stale = vonageToken(VONAGE, body, { iat: Math.floor(Date.now() / 1000) - 3600 });
    expect(
      (
        await send(url('vonage'), {
          ...vonageRequest(null, payload),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${stale}` },
        })
      ).status,
    ).toBe(403);
    const swapped = vonageToken(VONAGE, JSON.stringify(inbound()));
    expect(
      (
        await send(url('vonage'), {
          ...vonageRequest(null, payload),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${swapped}` },
        })
      ).status,
    ).toBe(403);
    expect(ingest.received).toEqual([]);
  });

  it('maps statuses, answers 400 to malformed payloads, and sends replies with an application token', async () => {
    const uuid = randomUUID();
    await send(
      url('vonage', 'status'),
      vonageRequest(VONAGE, {
        message_uuid: uuid,
        status: 'rejected',
        error: { type: 'https://developer.vonage.com/api-errors/messages#1240', title: 'x' },
      }),
    );
    expect(ingest.statuses.map((s) => s.update)).toEqual([
      { providerMessageId: uuid, status: 'failed', errorCode: 'messages#1240' },
    ]);
    expect((await send(url('vonage'), vonageRequest(VONAGE, { message_uuid: 'x' }))).status).toBe(400);
    expect((await send(url('vonage'), vonageRequest(VONAGE, { ...inbound(), to: 'nobody' }))).status).toBe(
      400,
    );
    const channel = await createChannel(h.ctx, 'vonage');
    await channel.send({ to: CONTACT, from: HOTLINE, body: 'aquí' });
    expect(vonageApi.sent.at(-1)!.body).toEqual({
      message_type: 'text',
      channel: 'sms',
      to: CONTACT.slice(1),
      from: HOTLINE.slice(1),
      text: 'aquí',
    });
  });
});

describe('fuzzed signed payloads', () => {
  const leaves = ['', 'x', '+', '-1', '1e999', '\u202e', 'ٳ'.repeat(40), 'x'.repeat(2000), randomUUID()];
  const pick = () => leaves[Math.floor(Math.random() * leaves.length)]!;

  it('never answer 5xx on Plivo, Vonage or SignalWire', async () => {
    const names = [
      'MessageUUID',
      'MessageSid',
      'From',
      'To',
      'Text',
      'Body',
      'Status',
      'ErrorCode',
      'Media0',
      'NumMedia',
    ];
    for (let i = 0; i < 40; i++) {
      const p: Record<string, string> = {};
      for (const name of names) if (Math.random() < 0.6) p[name] = pick();
      const step = i % 2 ? 'inbound' : 'status';
      const plivoRes = await send(
        url('plivo-sms', step),
        plivoRequest(PLIVO.authToken, url('plivo-sms', step), p),
      );
      expect(plivoRes.status, JSON.stringify(p)).toBeLessThan(500);
      const swUrl = url('signalwire-sms', step);
      const swRes = await send(swUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-signalwire-signature': twilioSignature(SIGNALWIRE.signingKey, swUrl, Object.entries(p)),
        },
        body: new URLSearchParams(p).toString(),
      });
      expect(swRes.status, JSON.stringify(p)).toBeLessThan(500);
      const json: Record<string, unknown> = {};
      for (const key of ['message_uuid', 'to', 'from', 'message_type', 'text', 'status', 'image', 'error'])
        if (Math.random() < 0.6) json[key] = Math.random() < 0.2 ? { url: pick(), type: pick() } : pick();
      const vonageRes = await send(url('vonage', step), vonageRequest(VONAGE, json));
      expect(vonageRes.status, JSON.stringify(json)).toBeLessThan(500);
    }
  });
});

describe('SignalWire SMS', () => {
  const params = (sid = randomUUID()) => ({
    MessageSid: sid,
    AccountSid: SIGNALWIRE.projectId,
    From: CONTACT,
    To: HOTLINE,
    Body: 'ayuda',
    NumMedia: '0',
  });
  const form = (p: Record<string, string>, key: string | null) => ({
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(key
        ? { 'x-signalwire-signature': twilioSignature(key, url('signalwire-sms'), Object.entries(p)) }
        : {}),
    },
    body: new URLSearchParams(p).toString(),
  });

  it("takes a message signed with the project's signing key (Twilio's construction, which the SDK validates)", async () => {
    const p = params();
    const signature = twilioSignature(SIGNALWIRE.signingKey, url('signalwire-sms'), Object.entries(p));
    expect(twilio.validateRequest(SIGNALWIRE.signingKey, signature, url('signalwire-sms'), p)).toBe(true);
    expect((await send(url('signalwire-sms'), form(p, SIGNALWIRE.signingKey))).status).toBe(200);
    expect(ingest.received[0]!.message).toMatchObject({
      providerMessageId: p.MessageSid,
      from: CONTACT,
      to: HOTLINE,
    });
  });

  it('refuses deliveries unsigned or signed with the API token instead of the signing key', async () => {
    expect((await send(url('signalwire-sms'), form(params(), null))).status).toBe(403);
    expect((await send(url('signalwire-sms'), form(params(), SIGNALWIRE.apiToken))).status).toBe(403);
    expect(
      (await send(url('signalwire-sms'), form({ ...params(), MessageSid: 'SM1' }, SIGNALWIRE.signingKey)))
        .status,
    ).toBe(400);
    expect(ingest.received).toEqual([]);
  });

  it('sends replies through its compatibility Messages API', async () => {
    const channel = await createChannel(h.ctx, 'signalwire-sms');
    const { providerMessageId } = await channel.send({ to: CONTACT, from: HOTLINE, body: 'aquí' });
    expect(signalwireApi.sent.at(-1)).toMatchObject({ sid: providerMessageId, to: CONTACT, body: 'aquí' });
  });
});
