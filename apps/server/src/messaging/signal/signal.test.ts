import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/calls-helpers.js';
import { RecordingIngest } from '../../../test/fakes/recording-ingest.js';
import { createTestHotline, type TestHotline } from '../../../test/helpers.js';
import { saveChannelConfig } from '../config-service.js';
import { createChannel } from '../registry.js';
import { FakeSignalCliApi } from '../simulator/fake-signal-cli.js';
import { startSignalReceiver, stopSignalReceiver } from './receiver.js';

/**
 * Signal through signal-cli-rest-api: the server receives over the API's WebSocket (no webhook
 * exists), reconnects when the socket drops without losing what arrived meanwhile, hands each
 * message over once, and replies and handles attachments over the REST API.
 */
const HOTLINE = '+15550100100';
const CONTACT = '+15550100234';
const CONTACT_UUID = '6f6c1a6a-7f1e-4d44-8d0f-0a3c1e0e2b11';

let h: TestHotline;
let fake: FakeSignalCliApi;
const ingest = new RecordingIngest();
let clock = 1_700_000_000_000;

const envelope = (message: string, extra: Record<string, unknown> = {}) => ({
  source: CONTACT,
  sourceNumber: CONTACT,
  sourceUuid: CONTACT_UUID,
  sourceDevice: 1,
  timestamp: ++clock,
  dataMessage: { timestamp: clock, message, expiresInSeconds: 0, viewOnce: false, ...extra },
});

beforeAll(async () => {
  h = await createTestHotline();
  fake = await FakeSignalCliApi.start();
  h.ctx.messaging.ingest = ingest;
  Object.assign(h.ctx.messaging.overrides, { signal: { reconnectDelayMs: 30, timeoutMs: 500 } });
  await saveChannelConfig(h.ctx, { pubkey: null, ipHash: null }, 'signal', {
    apiUrl: fake.baseUrl,
    number: HOTLINE,
  });
  await startSignalReceiver(h.ctx);
  await waitFor(async () => (fake.clientCount() === 1 ? true : null), 'the receive socket');
});
afterAll(async () => {
  await stopSignalReceiver(h.ctx);
  await fake?.close();
  await h?.close();
});
beforeEach(() => ingest.clear());

const bodies = () => ingest.received.map((r) => r.message.body);

describe('Signal receive socket', () => {
  it('hands over a direct message with a stable id, the sender and the hotline number', async () => {
    const e = envelope('hola');
    fake.deliver(HOTLINE, e);
    await waitFor(async () => (ingest.received.length ? true : null), 'the message');
    expect(ingest.received[0]).toMatchObject({
      channel: 'signal',
      message: {
        providerMessageId: `${CONTACT_UUID}:${e.timestamp}`,
        from: CONTACT,
        to: HOTLINE,
        body: 'hola',
      },
    });
  });

  it('reconnects after the socket drops, and loses nothing that arrived meanwhile', async () => {
    const before = fake.connections;
    fake.dropClients();
    fake.deliver(HOTLINE, envelope('uno'));
    fake.deliver(HOTLINE, envelope('dos'));
    await waitFor(
      async () => (fake.connections > before && ingest.received.length === 2 ? true : null),
      'reconnect',
    );
    expect(bodies()).toEqual(['uno', 'dos']);
    fake.deliver(HOTLINE, envelope('tres'));
    await waitFor(async () => (ingest.received.length === 3 ? true : null), 'the next message');
    expect(bodies()).toEqual(['uno', 'dos', 'tres']);
  });

  it('tries a message again when the conversations module cannot take it, and in order', async () => {
    ingest.failNext(2);
    fake.deliver(HOTLINE, envelope('retry me'));
    fake.deliver(HOTLINE, envelope('after'));
    await waitFor(async () => (ingest.received.length === 2 ? true : null), 'both messages');
    expect(bodies()).toEqual(['retry me', 'after']);
  });

  it('ignores receipts, group messages and malformed frames, and carries attachments by id', async () => {
    fake.deliver(HOTLINE, { source: CONTACT, timestamp: ++clock, receiptMessage: { isDelivery: true } });
    fake.deliver(HOTLINE, envelope('in a group', { groupInfo: { groupId: 'abc' } }));
    fake.deliver(HOTLINE, { nonsense: true } as never);
    fake.deliver(
      HOTLINE,
      envelope('', { attachments: [{ id: 'Ab12_cd.jpg', contentType: 'image/jpeg', size: 3 }] }),
    );
    await waitFor(async () => (ingest.received.length ? true : null), 'the attachment message');
    expect(ingest.received).toHaveLength(1);
    expect(ingest.received[0]!.message.media).toEqual([{ ref: 'Ab12_cd.jpg', contentType: 'image/jpeg' }]);
  });
});

describe('Signal configuration, webhooks and replies', () => {
  it('has no HTTP webhook: a POST to its inbound URL is refused', async () => {
    const res = await h.request('POST', '/api/messaging/signal/inbound', {
      body: JSON.stringify({ envelope: envelope('forged'), account: HOTLINE }),
    });
    expect(res.status).toBe(403);
    expect(ingest.received).toEqual([]);
  });

  it('refuses an API URL on a public address (signal-cli-rest-api has no authentication)', async () => {
    for (const apiUrl of [
      'http://8.8.8.8:8080',
      'https://signal.example.com',
      'http://user:pw@127.0.0.1:8080',
    ]) {
      await expect(
        saveChannelConfig(h.ctx, { pubkey: null, ipHash: null }, 'signal', { apiUrl, number: HOTLINE }),
      ).rejects.toMatchObject({ kind: 'validation-failed' });
    }
  });

  it('sends replies through /v2/send and fetches and deletes attachments', async () => {
    const channel = await createChannel(h.ctx, 'signal');
    const { providerMessageId } = await channel.send({ to: CONTACT, from: HOTLINE, body: 'Estamos aquí' });
    expect(providerMessageId).toMatch(/^\+15550100100:\d+$/);
    expect(fake.sent.at(-1)).toEqual({ number: HOTLINE, recipients: [CONTACT], message: 'Estamos aquí' });
    const bytes = randomBytes(1000);
    fake.addAttachment('Ab12_cd.jpg', bytes);
    const chunks: Uint8Array[] = [];
    for await (const chunk of await channel.fetchMedia({ ref: 'Ab12_cd.jpg', contentType: null }))
      chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    await channel.deleteMedia({ ref: 'Ab12_cd.jpg', contentType: null });
    expect(fake.attachments.get('Ab12_cd.jpg')!.deleted).toBe(true);
    await expect(channel.fetchMedia({ ref: 'Ab12_cd.jpg', contentType: null })).rejects.toThrow(/HTTP 404/);
    await expect(channel.fetchMedia({ ref: '../x', contentType: null })).rejects.toThrow(
      /not an attachment id/,
    );
  });
});
