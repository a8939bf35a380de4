import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecordingIngest } from '../../../test/fakes/recording-ingest.js';
import { createTestHotline, PUBLIC_URL, type TestHotline } from '../../../test/helpers.js';
import { twilioSignature } from '../../telephony/twilio/signature.js';
import { ChannelInputError, ChannelSendError, type MessagingChannel } from '../channel.js';
import { saveChannelConfig } from '../config-service.js';
import { createChannel } from '../registry.js';
import { FakeMessagesApi } from '../simulator/fake-messages-api.js';

/**
 * Twilio SMS and WhatsApp end to end through POST /api/messaging/twilio-*\/inbound|status: signed
 * exactly as Twilio signs (the official SDK agrees), refused when not, never a 5xx for bad input;
 * replies, the 24-hour window and media against the local fake Messages API.
 */
const ACCOUNT = { accountSid: `AC${'ab'.repeat(16)}`, authToken: randomBytes(16).toString('hex') };
const HOTLINE = '+15550100100';
const CONTACT = '+15550100234';
const SYSTEM = { pubkey: null, ipHash: null };

let h: TestHotline;
let api: FakeMessagesApi;
const ingest = new RecordingIngest();

const sid = () => `SM${randomBytes(16).toString('hex')}`;

function post(
  channel: string,
  step: 'inbound' | 'status',
  params: Record<string, string>,
  options: { token?: string | null; signedParams?: Record<string, string> } = {},
) {
  const path = `/api/messaging/${channel}/${step}`;
  const token = options.token === undefined ? ACCOUNT.authToken : options.token;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (token)
    headers['x-twilio-signature'] = twilioSignature(
      token,
      `${PUBLIC_URL}${path}`,
      Object.entries(options.signedParams ?? params),
    );
  return h.request('POST', path, { body: new URLSearchParams(params).toString(), headers });
}

const sms = (overrides: Record<string, string> = {}) => ({
  MessageSid: sid(),
  AccountSid: ACCOUNT.accountSid,
  From: CONTACT,
  To: HOTLINE,
  Body: 'I need to talk to someone',
  NumMedia: '0',
  ...overrides,
});

beforeAll(async () => {
  h = await createTestHotline();
  api = await FakeMessagesApi.start(ACCOUNT);
  h.ctx.messaging.ingest = ingest;
  Object.assign(h.ctx.messaging.overrides, {
    'twilio-sms': { apiBaseUrl: api.baseUrl, timeoutMs: 500 },
    'twilio-whatsapp': { apiBaseUrl: api.baseUrl, timeoutMs: 500 },
  });
  await saveChannelConfig(h.ctx, SYSTEM, 'twilio-sms', { ...ACCOUNT, phoneNumbers: [HOTLINE] });
  await saveChannelConfig(h.ctx, SYSTEM, 'twilio-whatsapp', {
    ...ACCOUNT,
    phoneNumbers: [HOTLINE],
    outsideWindowTemplate: null,
  });
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});
beforeEach(() => {
  ingest.clear();
  api.clearFaults();
});

describe('Twilio inbound webhooks', () => {
  it('hands a signed SMS to the conversations module with its message id, and answers empty TwiML', async () => {
    const params = sms();
    const res = await post('twilio-sms', 'inbound', params);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/xml');
    expect(await res.text()).toContain('<Response></Response>');
    expect(ingest.received).toHaveLength(1);
    expect(ingest.received[0]!.channel).toBe('twilio-sms');
    expect(ingest.received[0]!.message).toEqual({
      providerMessageId: params.MessageSid,
      from: CONTACT,
      to: HOTLINE,
      body: 'I need to talk to someone',
      media: [],
    });
  });

  it('reads the channel configuration once (the adapter and the addresses from one row), then keeps it while fresh', async () => {
    const query = vi.spyOn(h.ctx.db, 'query');
    const clock = vi.spyOn(performance, 'now');
    try {
      const start = performance.now();
      const reads = () => query.mock.calls.filter(([sql]) => String(sql).includes('channel_configs')).length;
      // A second's worth of deliveries: at most one read.
      clock.mockReturnValue(start + 10_000);
      for (const _ of [0, 1, 2]) expect((await post('twilio-sms', 'inbound', sms())).status).toBe(200);
      expect(reads()).toBe(1);
      // A second on (a change on another process announces nothing here): read again.
      clock.mockReturnValue(start + 11_500);
      expect((await post('twilio-sms', 'inbound', sms())).status).toBe(200);
      expect(reads()).toBe(2);
    } finally {
      query.mockRestore();
      clock.mockRestore();
    }
  });

  it('a new auth token saved on this process is the only one accepted from the next delivery on', async () => {
    const before = { token: ACCOUNT.authToken };
    expect((await post('twilio-sms', 'inbound', sms(), before)).status).toBe(200);
    const rotated = randomBytes(16).toString('hex');
    await saveChannelConfig(h.ctx, SYSTEM, 'twilio-sms', {
      ...ACCOUNT,
      authToken: rotated,
      phoneNumbers: [HOTLINE],
    });
    try {
      expect((await post('twilio-sms', 'inbound', sms(), before)).status).toBe(403);
      expect((await post('twilio-sms', 'inbound', sms(), { token: rotated })).status).toBe(200);
    } finally {
      await saveChannelConfig(h.ctx, SYSTEM, 'twilio-sms', { ...ACCOUNT, phoneNumbers: [HOTLINE] });
    }
    expect((await post('twilio-sms', 'inbound', sms(), before)).status).toBe(200);
  });

  it('is signed the way the official Twilio SDK validates', () => {
    const params = sms();
    const url = `${PUBLIC_URL}/api/messaging/twilio-sms/inbound`;
    const signature = twilioSignature(ACCOUNT.authToken, url, Object.entries(params));
    expect(twilio.validateRequest(ACCOUNT.authToken, signature, url, params)).toBe(true);
    expect(twilio.validateRequest(ACCOUNT.authToken, signature, url, { ...params, Body: 'changed' })).toBe(
      false,
    );
  });

  it('refuses unsigned, mis-signed and tampered webhooks with 403, storing nothing', async () => {
    const params = sms();
    expect((await post('twilio-sms', 'inbound', params, { token: null })).status).toBe(403);
    expect(
      (await post('twilio-sms', 'inbound', params, { token: randomBytes(16).toString('hex') })).status,
    ).toBe(403);
    const tampered = await post(
      'twilio-sms',
      'inbound',
      { ...params, Body: 'forged' },
      { signedParams: params },
    );
    expect(tampered.status).toBe(403);
    // Signed for the SMS URL, replayed against the WhatsApp one: the URL is signed too.
    const res = await h.request('POST', '/api/messaging/twilio-whatsapp/inbound', {
      body: new URLSearchParams(params).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(
          ACCOUNT.authToken,
          `${PUBLIC_URL}/api/messaging/twilio-sms/inbound`,
          Object.entries(params),
        ),
      },
    });
    expect(res.status).toBe(403);
    expect(ingest.received).toEqual([]);
  });

  it('passes a retried delivery on with the same message id (the conversations module stores it once)', async () => {
    const params = sms();
    expect((await post('twilio-sms', 'inbound', params)).status).toBe(200);
    expect((await post('twilio-sms', 'inbound', params)).status).toBe(200);
    expect(ingest.received.map((r) => r.message.providerMessageId)).toEqual([
      params.MessageSid,
      params.MessageSid,
    ]);
  });

  it('refuses a message to a number the hotline does not hold on that channel (404, nothing stored)', async () => {
    const res = await post('twilio-sms', 'inbound', sms({ To: '+15550199999' }));
    expect(res.status).toBe(404);
    expect(ingest.received).toEqual([]);
  });

  it('has no webhooks for a channel that is not configured, or does not exist', async () => {
    expect((await post('plivo-sms', 'inbound', sms())).status).toBe(404);
    expect((await post('carrier-pigeon', 'inbound', sms())).status).toBe(404);
    expect((await post('signal', 'inbound', sms())).status).toBe(404);
  });

  it('answers 400 for signed but malformed payloads, and never a 5xx for fuzzed ones', async () => {
    expect((await post('twilio-sms', 'inbound', sms({ MessageSid: 'SM1' }))).status).toBe(400);
    expect((await post('twilio-sms', 'inbound', sms({ From: 'not a number' }))).status).toBe(400);
    expect((await post('twilio-sms', 'inbound', sms({ NumMedia: '99' }))).status).toBe(400);
    expect(
      (await post('twilio-sms', 'inbound', sms({ NumMedia: '1', MediaUrl0: 'https://evil.example/x' })))
        .status,
    ).toBe(400);
    // WhatsApp addresses carry their prefix; a bare number on that channel is malformed.
    expect((await post('twilio-whatsapp', 'inbound', sms())).status).toBe(400);
    const alphabet = [
      '',
      'SM',
      '+',
      'whatsapp:',
      '\u0000',
      '%',
      'x'.repeat(300),
      '-1',
      '1e9',
      '[]',
      '{"a":1}',
    ];
    const names = ['MessageSid', 'From', 'To', 'Body', 'NumMedia', 'MediaUrl0', 'MessageStatus', 'ErrorCode'];
    for (let i = 0; i < 60; i++) {
      const params: Record<string, string> = {};
      for (const name of names)
        if (Math.random() < 0.6) params[name] = alphabet[Math.floor(Math.random() * alphabet.length)]!;
      const res = await post(i % 2 ? 'twilio-sms' : 'twilio-whatsapp', i % 3 ? 'inbound' : 'status', params);
      expect(res.status, JSON.stringify(params)).toBeLessThan(500);
    }
    expect(ingest.received).toEqual([]);
  });

  it('answers 400 (not a retried 503) when the conversations module refuses the message itself', async () => {
    const original = ingest.receive.bind(ingest);
    ingest.receive = async () => {
      throw new ChannelInputError('message text above 16384 characters');
    };
    try {
      const res = await post('twilio-sms', 'inbound', sms({ Body: 'x'.repeat(20_000) }));
      expect(res.status).toBe(400);
    } finally {
      ingest.receive = original;
    }
  });

  it('refuses an oversized body before anything reads it (413)', async () => {
    const res = await post(
      'twilio-sms',
      'inbound',
      sms({ Body: 'x'.repeat(h.ctx.config.BODY_LIMIT_BYTES + 1) }),
    );
    expect(res.status).toBe(413);
    expect(ingest.received).toEqual([]);
  });

  it('answers 503 (the provider retries) when the message cannot be taken', async () => {
    ingest.failNext();
    const params = sms();
    expect((await post('twilio-sms', 'inbound', params)).status).toBe(503);
    expect((await post('twilio-sms', 'inbound', params)).status).toBe(200);
    expect(ingest.received.map((r) => r.message.providerMessageId)).toEqual([params.MessageSid]);
    h.ctx.messaging.ingest = null;
    try {
      expect((await post('twilio-sms', 'inbound', sms())).status).toBe(503);
    } finally {
      h.ctx.messaging.ingest = ingest;
    }
  });

  it('parses a WhatsApp message without its address prefix', async () => {
    const params = sms({ From: `whatsapp:${CONTACT}`, To: `whatsapp:${HOTLINE}` });
    expect((await post('twilio-whatsapp', 'inbound', params)).status).toBe(200);
    expect(ingest.received[0]!.message).toMatchObject({ from: CONTACT, to: HOTLINE });
    expect(ingest.received[0]!.adapter.kind).toBe('whatsapp');
  });
});

describe('Twilio status callbacks', () => {
  it('maps delivery statuses and error codes, and ignores words that are not news', async () => {
    const id = sid();
    await post('twilio-sms', 'status', { MessageSid: id, MessageStatus: 'delivered' });
    await post('twilio-sms', 'status', { MessageSid: id, MessageStatus: 'undelivered', ErrorCode: '30003' });
    await post('twilio-sms', 'status', { MessageSid: id, MessageStatus: 'accepted' });
    expect(ingest.statuses).toEqual([
      { channel: 'twilio-sms', update: { providerMessageId: id, status: 'delivered', errorCode: null } },
      { channel: 'twilio-sms', update: { providerMessageId: id, status: 'failed', errorCode: '30003' } },
    ]);
  });

  it('refuses an unsigned status callback', async () => {
    const res = await post(
      'twilio-sms',
      'status',
      { MessageSid: sid(), MessageStatus: 'delivered' },
      { token: null },
    );
    expect(res.status).toBe(403);
    expect(ingest.statuses).toEqual([]);
  });
});

describe('Twilio replies and media', () => {
  let smsChannel: MessagingChannel;
  let whatsapp: MessagingChannel;
  beforeAll(async () => {
    smsChannel = await createChannel(h.ctx, 'twilio-sms');
    whatsapp = await createChannel(h.ctx, 'twilio-whatsapp');
  });

  it('sends a reply through the Messages API with a status callback', async () => {
    const { providerMessageId } = await smsChannel.send({ to: CONTACT, from: HOTLINE, body: 'We are here.' });
    const sent = api.sent.find((m) => m.sid === providerMessageId)!;
    expect(sent).toMatchObject({ to: CONTACT, from: HOTLINE, body: 'We are here.' });
    expect(sent.statusCallback).toBe(`${PUBLIC_URL}/api/messaging/twilio-sms/status`);
  });

  it('surfaces a provider refusal or outage as a ChannelSendError, retryable when it may pass later', async () => {
    api.failNext({ status: 400, code: 21610 });
    await expect(smsChannel.send({ to: CONTACT, from: HOTLINE, body: 'x' })).rejects.toMatchObject({
      code: 'provider-refused',
      retryable: false,
    });
    api.failNext({ status: 503 });
    await expect(smsChannel.send({ to: CONTACT, from: HOTLINE, body: 'x' })).rejects.toMatchObject({
      code: 'provider-refused',
      retryable: true,
    });
    api.delayNext({ ms: 1500 });
    await expect(smsChannel.send({ to: CONTACT, from: HOTLINE, body: 'x' })).rejects.toMatchObject({
      code: 'unreachable',
      retryable: true,
    });
  });

  it('refuses a WhatsApp reply outside the 24-hour window without a template, and says so', async () => {
    const error = await whatsapp.send({ to: CONTACT, from: HOTLINE, body: 'hello' }).catch((e) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect(error).toMatchObject({ code: 'outside-24h-window', retryable: false });
    api.noteInbound(`whatsapp:${CONTACT}`, `whatsapp:${HOTLINE}`);
    const { providerMessageId } = await whatsapp.send({ to: CONTACT, from: HOTLINE, body: 'hello' });
    expect(api.sent.find((m) => m.sid === providerMessageId)).toMatchObject({ to: `whatsapp:${CONTACT}` });
  });

  it('sends the configured template outside the window, and still reports the reply as not sent', async () => {
    const template = `HX${'12'.repeat(16)}`;
    await saveChannelConfig(h.ctx, SYSTEM, 'twilio-whatsapp', { outsideWindowTemplate: template });
    const channel = await createChannel(h.ctx, 'twilio-whatsapp');
    const other = '+15550100777';
    const error = await channel.send({ to: other, from: HOTLINE, body: 'hello' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'outside-24h-window', retryable: true });
    expect(api.sent.at(-1)).toMatchObject({ to: `whatsapp:${other}`, contentSid: template, body: null });
  });

  it('streams media of its own account, deletes it, and fails loudly when the download fails', async () => {
    const bytes = randomBytes(2048);
    const ref = api.addMedia(`MM${'1'.repeat(32)}`, bytes, 'image/png');
    const chunks: Uint8Array[] = [];
    for await (const chunk of await smsChannel.fetchMedia({ ref, contentType: 'image/png' }))
      chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    await smsChannel.deleteMedia({ ref, contentType: null });
    expect([...api.media.values()].find((m) => ref.endsWith(m.sid))?.deleted).toBe(true);
    // Deleting again is not an error (a retried job).
    await smsChannel.deleteMedia({ ref, contentType: null });

    const other = api.addMedia(`MM${'2'.repeat(32)}`, bytes, 'image/png');
    api.failNext({ status: 500, pathIncludes: '/Media/' });
    await expect(smsChannel.fetchMedia({ ref: other, contentType: null })).rejects.toThrow(/HTTP 500/);
    api.delayNext({ ms: 1500, pathIncludes: '/Media/' });
    await expect(smsChannel.fetchMedia({ ref: other, contentType: null })).rejects.toThrow(
      /no answer within/,
    );
    await expect(smsChannel.fetchMedia({ ref: 'https://evil.example/x', contentType: null })).rejects.toThrow(
      /not a media item/,
    );
  });
});
