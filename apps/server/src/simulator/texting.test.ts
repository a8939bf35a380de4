import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, simulatorRequest, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { RecordingIngest } from '../../test/fakes/recording-ingest.js';
import { createTestHotline } from '../../test/helpers.js';
import { createChannel } from '../messaging/registry.js';

/**
 * The simulated carrier texts: a contact's message reaches the hotline through the same signed
 * webhook a real provider sends (on the simulated twilio-sms / twilio-whatsapp channel, set up on
 * first use with no account), and the hotline's reply shows in the contact's thread.
 */
let s: CallServer;
const ingest = new RecordingIngest();
beforeAll(async () => {
  s = await startCallServer();
  s.ctx.messaging.ingest = ingest;
});
afterAll(() => s?.close());

const api = (method: string, path: string, body?: unknown) => simulatorRequest(s, method, path, body);

describe('simulated texting', () => {
  it('serves the texting panel as separate files', async () => {
    const html = await (await api('GET', '')).text();
    expect(html).toContain('<script type="module" src="/api/simulator/texting.js"></script>');
    expect(html).toContain('<section id="texting"');
    expect((await api('GET', '/texting.js')).headers.get('content-type')).toContain('javascript');
    expect((await api('GET', '/texting.css')).status).toBe(200);
  });

  it('texts the hotline by SMS through a signed webhook, and shows the reply', async () => {
    const state = await (await api('GET', '/texts')).json();
    const [hotline] = state.numbers.sms;
    expect(hotline).toMatch(/^\+1555/);
    const sent = await api('POST', '/texts', {
      channel: 'sms',
      from: '+15550143210',
      body: 'hola, necesito ayuda',
    });
    expect(sent.status).toBe(201);
    expect(await sent.json()).toEqual({ delivery: 'accepted' });
    expect(ingest.received.at(-1)).toMatchObject({
      channel: 'twilio-sms',
      message: { from: '+15550143210', to: hotline, body: 'hola, necesito ayuda' },
    });

    const channel = await createChannel(s.ctx, 'twilio-sms');
    const { providerMessageId } = await channel.send({
      to: '+15550143210',
      from: hotline,
      body: 'Estamos aquí.',
    });
    const thread = await waitFor(async () => {
      const body = await (await api('GET', '/texts')).json();
      const t = body.threads.find((x: { contact: string }) => x.contact === '+15550143210');
      return t?.texts.length === 2 ? t : null;
    }, 'the reply in the contact thread');
    expect(thread.texts.map((t: { by: string; body: string }) => [t.by, t.body])).toEqual([
      ['contact', 'hola, necesito ayuda'],
      ['hotline', 'Estamos aquí.'],
    ]);
    // The carrier reports the reply delivered through the signed status webhook.
    await waitFor(
      async () => ingest.statuses.find((x) => x.update.providerMessageId === providerMessageId) ?? null,
      'the delivery status',
    );
  });

  it('texts by WhatsApp, whose replies open the 24-hour window only after the contact wrote', async () => {
    const sent = await api('POST', '/texts', { channel: 'whatsapp', from: '+15550143299', body: 'hi' });
    expect(sent.status).toBe(201);
    expect(ingest.received.at(-1)).toMatchObject({
      channel: 'twilio-whatsapp',
      message: { from: '+15550143299' },
    });
    const channel = await createChannel(s.ctx, 'twilio-whatsapp');
    const hotline = ingest.received.at(-1)!.message.to;
    await expect(channel.send({ to: '+15550143299', from: hotline, body: 'hello' })).resolves.toBeTruthy();
    await expect(channel.send({ to: '+15550100999', from: hotline, body: 'hello' })).rejects.toMatchObject({
      code: 'outside-24h-window',
    });
  });

  it('texts by Signal through the simulated signal-cli, received over the socket the hotline holds', async () => {
    const sent = await api('POST', '/texts', { channel: 'signal', from: '+15550143555', body: 'por signal' });
    expect(sent.status).toBe(201);
    const received = await waitFor(
      async () => ingest.received.find((r) => r.channel === 'signal') ?? null,
      'the Signal message',
    );
    expect(received.message).toMatchObject({ from: '+15550143555', to: s.hotline, body: 'por signal' });
    const channel = await createChannel(s.ctx, 'signal');
    await channel.send({ to: '+15550143555', from: s.hotline, body: 'te leemos' });
    const thread = await waitFor(async () => {
      const body = await (await api('GET', '/texts')).json();
      const t = body.threads.find((x: { channel: string }) => x.channel === 'signal');
      return t?.texts.length === 2 ? t : null;
    }, 'the Signal reply');
    expect(thread.texts.map((t: { body: string }) => t.body)).toEqual(['por signal', 'te leemos']);
  });

  it('refuses bad input with 400 and shows a refused delivery when the hotline does not take it', async () => {
    expect((await api('POST', '/texts', { channel: 'fax', from: '+15550143210', body: 'x' })).status).toBe(
      400,
    );
    expect((await api('POST', '/texts', { channel: 'sms', from: '12', body: 'x' })).status).toBe(400);
    expect((await api('POST', '/texts', { channel: 'sms', from: '+15550143210', body: '' })).status).toBe(
      400,
    );
    ingest.failNext();
    const refused = await api('POST', '/texts', { channel: 'sms', from: '+15550143210', body: 'lost?' });
    expect(await refused.json()).toEqual({ delivery: 'refused' });
  });

  it('reaches the conversations module itself: the text is stored sealed', async () => {
    s.ctx.messaging.ingest = s.ctx.conversations;
    try {
      // Messages are sealed for every admin: a hotline with none cannot take them yet (503).
      await s.addUser(['admin']);
      const sent = await api('POST', '/texts', {
        channel: 'sms',
        from: '+15550143777',
        body: 'secret words 4242',
      });
      expect(await sent.json()).toEqual({ delivery: 'accepted' });
      const rows = await s.db.query<{ n: number }>('select count(*)::int as n from conversation_messages');
      expect(rows[0]!.n).toBeGreaterThan(0);
      const dump = JSON.stringify(await s.db.query('select * from conversation_messages'));
      expect(dump).not.toContain('secret words 4242');
      expect(dump).not.toContain('+15550143777');
    } finally {
      s.ctx.messaging.ingest = ingest;
    }
  });

  it('does not exist in production', async () => {
    const prod = await createTestHotline({
      LLAMENOS_ENV: 'production',
      PUBLIC_URL: 'https://hotline.example',
      TRUST_PROXY: 'true',
    });
    try {
      const res = await prod.request('GET', '/api/simulator/texts', {
        headers: { 'x-forwarded-for': '127.0.0.1' },
      });
      expect(res.status).toBe(404);
    } finally {
      await prod.close();
    }
  });
});
