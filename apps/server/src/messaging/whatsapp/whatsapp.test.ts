import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeMetaGraphApi } from '../../../test/fakes/meta-graph-api.js';
import { RecordingIngest } from '../../../test/fakes/recording-ingest.js';
import { createTestHotline, type TestHotline } from '../../../test/helpers.js';
import type { MessagingChannel } from '../channel.js';
import { saveChannelConfig } from '../config-service.js';
import { createChannel } from '../registry.js';

/**
 * WhatsApp Cloud API (Meta): the verify-token handshake, X-Hub-Signature-256 over the raw body,
 * text, media and status payloads, and replies and two-step media against a local Graph API fake.
 */
const CONFIG = {
  phoneNumberId: '106540352242922',
  accessToken: `EAAG${randomBytes(24).toString('hex')}`,
  appSecret: randomBytes(16).toString('hex'),
  verifyToken: randomBytes(12).toString('hex'),
  outsideWindowTemplate: null,
};
const CONTACT = '15550100234';

let h: TestHotline;
let graph: FakeMetaGraphApi;
const ingest = new RecordingIngest();

const sign = (body: string, secret = CONFIG.appSecret) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function post(payload: unknown, signature: string | null = 'valid', raw?: string) {
  const body = raw ?? JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature) headers['x-hub-signature-256'] = signature === 'valid' ? sign(body) : signature;
  return h.request('POST', '/api/messaging/whatsapp/inbound', { body, headers });
}

const delivery = (value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550100100', phone_number_id: CONFIG.phoneNumberId },
            ...value,
          },
        },
      ],
    },
  ],
});

const textMessage = (id = `wamid.${randomBytes(8).toString('hex')}`, body = 'necesito hablar') =>
  delivery({
    contacts: [{ profile: { name: 'A' }, wa_id: CONTACT }],
    messages: [{ from: CONTACT, id, timestamp: '1700000000', type: 'text', text: { body } }],
  });

beforeAll(async () => {
  h = await createTestHotline();
  graph = await FakeMetaGraphApi.start(CONFIG.accessToken);
  h.ctx.messaging.ingest = ingest;
  Object.assign(h.ctx.messaging.overrides, {
    whatsapp: { apiBaseUrl: graph.baseUrl, mediaBaseUrl: graph.baseUrl, timeoutMs: 500 },
  });
  await saveChannelConfig(h.ctx, { pubkey: null, ipHash: null }, 'whatsapp', CONFIG);
});
afterAll(async () => {
  await graph?.close();
  await h?.close();
});
beforeEach(() => ingest.clear());

describe('WhatsApp Cloud API webhooks', () => {
  it('answers the hub.verify_token handshake with the challenge, and refuses a wrong token', async () => {
    const q = (token: string, mode = 'subscribe') =>
      `/api/messaging/whatsapp/inbound?hub.mode=${mode}&hub.verify_token=${token}&hub.challenge=1158201444`;
    const ok = await h.request('GET', q(CONFIG.verifyToken));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    expect((await h.request('GET', q('wrong-token-value'))).status).toBe(403);
    expect((await h.request('GET', q(CONFIG.verifyToken, 'unsubscribe'))).status).toBe(403);
    expect((await h.request('GET', '/api/messaging/twilio-sms/inbound')).status).toBe(404);
  });

  it('hands a signed text message over with its wamid, the sender in E.164 and the phone number id', async () => {
    const res = await post(textMessage('wamid.HBgLMTU1NTAxMDAyMzQVAgASGBQ'));
    expect(res.status).toBe(200);
    expect(ingest.received.map((r) => r.message)).toEqual([
      {
        providerMessageId: 'wamid.HBgLMTU1NTAxMDAyMzQVAgASGBQ',
        from: `+${CONTACT}`,
        to: CONFIG.phoneNumberId,
        body: 'necesito hablar',
        media: [],
      },
    ]);
  });

  it('refuses unsigned, mis-signed and tampered deliveries with 403, storing nothing', async () => {
    const body = JSON.stringify(textMessage());
    expect((await post(null, null, body)).status).toBe(403);
    expect((await post(null, sign(body, randomBytes(16).toString('hex')), body)).status).toBe(403);
    expect((await post(null, 'sha256=zz', body)).status).toBe(403);
    expect((await post(null, sign(body), body.replace('necesito', 'forged!!'))).status).toBe(403);
    expect(ingest.received).toEqual([]);
  });

  it('passes a retried delivery on with the same id', async () => {
    const payload = textMessage();
    await post(payload);
    await post(payload);
    expect(new Set(ingest.received.map((r) => r.message.providerMessageId)).size).toBe(1);
    expect(ingest.received).toHaveLength(2);
  });

  it('refuses a message to a phone number id the hotline does not hold', async () => {
    const payload = textMessage();
    payload.entry[0]!.changes[0]!.value.metadata = {
      display_phone_number: '1',
      phone_number_id: '999999999',
    };
    expect((await post(payload)).status).toBe(404);
    expect(ingest.received).toEqual([]);
  });

  it('reads media by id and caption, maps statuses, and ignores reactions', async () => {
    await post(
      delivery({
        messages: [
          {
            from: CONTACT,
            id: 'wamid.m1',
            timestamp: '1',
            type: 'image',
            image: { id: '1234567890', mime_type: 'image/jpeg', caption: 'esto' },
          },
        ],
      }),
    );
    expect(ingest.received[0]!.message).toMatchObject({
      body: 'esto',
      media: [{ ref: '1234567890', contentType: 'image/jpeg' }],
    });
    await post(
      delivery({
        statuses: [
          { id: 'wamid.s1', status: 'delivered', timestamp: '1', recipient_id: CONTACT },
          {
            id: 'wamid.s2',
            status: 'failed',
            timestamp: '1',
            recipient_id: CONTACT,
            errors: [{ code: 131026 }],
          },
        ],
      }),
    );
    expect(ingest.statuses.map((s) => s.update)).toEqual([
      { providerMessageId: 'wamid.s1', status: 'delivered', errorCode: null },
      { providerMessageId: 'wamid.s2', status: 'failed', errorCode: '131026' },
    ]);
    const reaction = delivery({
      messages: [
        { from: CONTACT, id: 'wamid.r', timestamp: '1', type: 'reaction', reaction: { emoji: 'x' } },
      ],
    });
    expect((await post(reaction)).status).toBe(200);
    expect(ingest.received).toHaveLength(1);
  });

  it('takes both the messages and the receipts of a delivery that batches them', async () => {
    const before = { received: ingest.received.length, statuses: ingest.statuses.length };
    const both = delivery({
      messages: [{ from: CONTACT, id: 'wamid.both', timestamp: '1', type: 'text', text: { body: 'hola' } }],
      statuses: [{ id: 'wamid.s3', status: 'read', timestamp: '1', recipient_id: CONTACT }],
    });
    expect((await post(both)).status).toBe(200);
    expect(ingest.received.slice(before.received).map((r) => r.message.body)).toEqual(['hola']);
    expect(ingest.statuses.slice(before.statuses).map((s) => s.update)).toEqual([
      { providerMessageId: 'wamid.s3', status: 'read', errorCode: null },
    ]);
  });

  it('answers 4xx, never 5xx, to malformed and fuzzed signed payloads', async () => {
    expect((await post({ object: 'page', entry: [] })).status).toBe(400);
    expect((await post(null, 'valid', '{"object":')).status).toBe(400);
    expect((await post(null, 'valid', '[]')).status).toBe(400);
    const leaves: unknown[] = [null, 1, -1, '', 'x', [], {}, true, 'wamid.x', '+1', '٣'.repeat(50)];
    const pick = () => leaves[Math.floor(Math.random() * leaves.length)];
    for (let i = 0; i < 60; i++) {
      const payload = textMessage();
      const value = payload.entry[0]!.changes[0]!.value as Record<string, unknown>;
      const message = (value.messages as Record<string, unknown>[])[0]!;
      for (const key of ['from', 'id', 'type', 'text', 'timestamp'])
        if (Math.random() < 0.4) message[key] = pick();
      if (Math.random() < 0.2) value.metadata = pick();
      if (Math.random() < 0.1) (payload as Record<string, unknown>).entry = pick();
      const res = await post(payload);
      expect(res.status, JSON.stringify(payload)).toBeLessThan(500);
    }
  });
});

describe('WhatsApp Cloud API replies and media', () => {
  let channel: MessagingChannel;
  beforeAll(async () => {
    channel = await createChannel(h.ctx, 'whatsapp');
  });

  it('sends text inside the window, and refuses outside it without a template', async () => {
    graph.window.add(CONTACT);
    const { providerMessageId } = await channel.send({
      to: `+${CONTACT}`,
      from: CONFIG.phoneNumberId,
      body: 'Hola',
    });
    expect(graph.sent.at(-1)).toMatchObject({
      id: providerMessageId,
      phoneNumberId: CONFIG.phoneNumberId,
      body: { to: CONTACT, type: 'text', text: { body: 'Hola' } },
    });
    await expect(
      channel.send({ to: '+15550100999', from: CONFIG.phoneNumberId, body: 'Hola' }),
    ).rejects.toMatchObject({
      code: 'outside-24h-window',
      retryable: false,
    });
  });

  it('sends the approved template outside the window and reports the reply as not sent', async () => {
    await saveChannelConfig(h.ctx, { pubkey: null, ipHash: null }, 'whatsapp', {
      outsideWindowTemplate: { name: 'hotline_reply_waiting', language: 'es' },
    });
    const withTemplate = await createChannel(h.ctx, 'whatsapp');
    await expect(
      withTemplate.send({ to: '+15550100888', from: CONFIG.phoneNumberId, body: 'Hola' }),
    ).rejects.toMatchObject({ code: 'outside-24h-window', retryable: true });
    expect(graph.sent.at(-1)!.body).toMatchObject({
      type: 'template',
      template: { name: 'hotline_reply_waiting', language: { code: 'es' } },
    });
  });

  it('fetches media in two steps with the bearer token, deletes it, and fails loudly on errors', async () => {
    const bytes = randomBytes(4096);
    const ref = graph.addMedia(bytes, 'image/jpeg');
    const chunks: Uint8Array[] = [];
    for await (const chunk of await channel.fetchMedia({ ref, contentType: null })) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    await channel.deleteMedia({ ref, contentType: null });
    expect(graph.media.get(ref)!.deleted).toBe(true);
    await channel.deleteMedia({ ref, contentType: null });

    const other = graph.addMedia(bytes, 'image/jpeg');
    graph.failNext({ pathIncludes: '/attachments/', status: 500 });
    await expect(channel.fetchMedia({ ref: other, contentType: null })).rejects.toThrow(/HTTP 500/);
    graph.delayNext({ pathIncludes: `/v21.0/${other}`, ms: 1500 });
    await expect(channel.fetchMedia({ ref: other, contentType: null })).rejects.toThrow(/no answer within/);
    await expect(channel.fetchMedia({ ref: '../../me', contentType: null })).rejects.toThrow(
      /not a media id/,
    );
  });
});
