import { createHash } from 'node:crypto';
import type { ServerContext } from '../http/context.js';
import { loadChannelConfig, saveChannelConfig } from '../messaging/config-service.js';
import { channelWebhookUrl } from '../messaging/registry.js';
import { startSignalReceiver } from '../messaging/signal/receiver.js';
import type { FakeMessagesApi, FakeSentMessage } from '../messaging/simulator/fake-messages-api.js';
import type { FakeSignalCliApi } from '../messaging/simulator/fake-signal-cli.js';
import { simulatedMessagesApi, simulatedSignalApi } from '../messaging/simulator/instance.js';
import { simulatorAccount } from '../telephony/simulator/credentials.js';
import { SimulatorError } from './carrier.js';
import { DEFAULT_SIMULATOR_NUMBER } from './instance.js';
import { postSignedForm } from './signed-post.js';

/**
 * The simulated carrier's texting side: people typing as an SMS, WhatsApp or Signal contact. An
 * SMS or WhatsApp message reaches the hotline as the signed Twilio webhook a real provider would
 * send, on the simulated twilio-sms / twilio-whatsapp channel (POST /api/messaging/<channel>/inbound,
 * over loopback, signed over PUBLIC_URL); the hotline's replies go out through the simulated
 * Messages API, which shows them in the contact's thread and reports them delivered through the
 * signed status webhook. A Signal message goes through the simulated signal-cli-rest-api, whose
 * receive socket the hotline holds, exactly as with a real one. Development only: it starts
 * behind the carrier's own gate.
 */
export type TextChannel = 'sms' | 'whatsapp' | 'signal';

export interface SimText {
  /** 'contact' wrote it; 'hotline' is a reply the contact received. */
  by: 'contact' | 'hotline';
  body: string;
  at: string;
  /** For the contact's own SMS and WhatsApp messages: how the hotline answered the webhook (Signal: none). */
  delivery: 'accepted' | 'refused' | null;
}

export interface SimThread {
  channel: TextChannel;
  contact: string;
  hotline: string;
  texts: SimText[];
}

const CHANNEL_OF: Record<TextChannel, 'twilio-sms' | 'twilio-whatsapp' | 'signal'> = {
  sms: 'twilio-sms',
  whatsapp: 'twilio-whatsapp',
  signal: 'signal',
};
/** Threads kept per process; the oldest go first. */
const MAX_THREADS = 50;
const MAX_TEXTS = 200;

export class SimulatedTexting {
  private readonly threads = new Map<string, SimThread>();
  private readonly account: { accountSid: string; authToken: string };
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly ctx: ServerContext,
    private readonly api: FakeMessagesApi,
    private readonly signal: FakeSignalCliApi,
  ) {
    this.account = simulatorAccount(ctx.config.serverSecret);
    this.unsubscribe = [
      api.onSent((message) => void this.delivered(message)),
      signal.onSent((sent) => {
        for (const contact of sent.recipients)
          SimulatedTexting.push(this.thread('signal', contact, sent.number), {
            by: 'hotline',
            body: sent.message,
            at: new Date().toISOString(),
            delivery: null,
          });
      }),
    ];
  }

  close(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  list(): SimThread[] {
    return [...this.threads.values()];
  }

  private thread(channel: TextChannel, contact: string, hotline: string): SimThread {
    const key = `${channel}|${contact}|${hotline}`;
    let thread = this.threads.get(key);
    if (!thread) {
      thread = { channel, contact, hotline, texts: [] };
      this.threads.set(key, thread);
      if (this.threads.size > MAX_THREADS) this.threads.delete(this.threads.keys().next().value!);
    }
    return thread;
  }

  private static push(thread: SimThread, text: SimText): void {
    thread.texts.push(text);
    if (thread.texts.length > MAX_TEXTS) thread.texts.shift();
  }

  /** A contact writes to the hotline: the signed inbound webhook, as Twilio sends it. */
  async text(channel: TextChannel, contact: string, hotline: string, body: string): Promise<SimText> {
    if (channel === 'signal') return this.textBySignal(contact, hotline, body);
    const wire = (n: string) => (channel === 'whatsapp' ? `whatsapp:${n}` : n);
    const params = {
      MessageSid: this.api.newMessageSid(),
      AccountSid: this.account.accountSid,
      From: wire(contact),
      To: wire(hotline),
      Body: body,
      NumMedia: '0',
      NumSegments: '1',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
    };
    this.api.noteInbound(wire(contact), wire(hotline));
    const ok = await this.post(channelWebhookUrl(this.ctx, CHANNEL_OF[channel], 'inbound'), params);
    const text: SimText = {
      by: 'contact',
      body,
      at: new Date().toISOString(),
      delivery: ok ? 'accepted' : 'refused',
    };
    SimulatedTexting.push(this.thread(channel, contact, hotline), text);
    return text;
  }

  /**
   * A Signal contact writes: the envelope goes to the simulated signal-cli, which pushes it to
   * the hotline over its receive socket (started here if it is not yet), as the real one does.
   */
  private async textBySignal(contact: string, hotline: string, body: string): Promise<SimText> {
    if (!this.ctx.messaging.signal) await startSignalReceiver(this.ctx);
    const timestamp = Date.now();
    this.signal.deliver(hotline, {
      source: contact,
      sourceNumber: contact,
      sourceUuid: uuidOf(contact),
      sourceDevice: 1,
      timestamp,
      dataMessage: { timestamp, message: body, expiresInSeconds: 0, viewOnce: false },
    });
    const text: SimText = { by: 'contact', body, at: new Date(timestamp).toISOString(), delivery: null };
    SimulatedTexting.push(this.thread('signal', contact, hotline), text);
    return text;
  }

  /** A reply the hotline sent: the contact's phone shows it, and the carrier reports it delivered. */
  private async delivered(message: FakeSentMessage): Promise<void> {
    const whatsapp = message.to.startsWith('whatsapp:');
    const strip = (n: string) => (whatsapp ? n.slice('whatsapp:'.length) : n);
    const body = message.body ?? `[template ${message.contentSid ?? ''}]`;
    SimulatedTexting.push(
      this.thread(whatsapp ? 'whatsapp' : 'sms', strip(message.to), strip(message.from)),
      {
        by: 'hotline',
        body,
        at: message.at.toISOString(),
        delivery: null,
      },
    );
    if (message.statusCallback)
      await this.post(message.statusCallback, {
        MessageSid: message.sid,
        AccountSid: this.account.accountSid,
        MessageStatus: 'delivered',
        From: message.from,
        To: message.to,
      });
  }

  /** A signed form POST over loopback, signed over PUBLIC_URL; false when the hotline did not answer 2xx. */
  private async post(url: string, params: Record<string, string>): Promise<boolean> {
    const hotline = {
      // Config keeps PUBLIC_URL without a trailing slash.
      publicUrl: this.ctx.config.PUBLIC_URL,
      origin: this.ctx.simulator.origin,
      authToken: this.account.authToken,
    };
    try {
      const response = await postSignedForm(hotline, url, params);
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }
}

/**
 * The simulated text line's numbers for `channel`; a hotline with nothing configured on it gets
 * the simulated channel on the default number (saved and audited like any channel change), so
 * `npm start` answers a simulated text with no setup. A channel connected to a real account
 * cannot be texted from here: the simulator cannot sign as that account.
 */
export async function simulatedTextNumbers(ctx: ServerContext, channel: TextChannel): Promise<string[]> {
  const id = CHANNEL_OF[channel];
  const stored = await loadChannelConfig(ctx, id);
  if (stored && 'simulated' in stored) return 'number' in stored ? [stored.number] : stored.phoneNumbers;
  if (stored)
    throw new SimulatorError(
      `${id} is connected to a real account; the simulator texts only a simulated channel`,
    );
  const config =
    channel === 'signal'
      ? { simulated: true, number: DEFAULT_SIMULATOR_NUMBER }
      : channel === 'whatsapp'
        ? { simulated: true, phoneNumbers: [DEFAULT_SIMULATOR_NUMBER], outsideWindowTemplate: null }
        : { simulated: true, phoneNumbers: [DEFAULT_SIMULATOR_NUMBER] };
  await saveChannelConfig(ctx, { pubkey: null, ipHash: null }, id, config);
  return [DEFAULT_SIMULATOR_NUMBER];
}

/** The texting simulator of this context (its slot is `ctx.messaging.simulatedTexting`), started on first use. */
export async function simulatedTexting(ctx: ServerContext): Promise<SimulatedTexting> {
  const wiring = ctx.messaging;
  if (!wiring.simulatedTexting) {
    const sim = Promise.all([simulatedMessagesApi(ctx), simulatedSignalApi(ctx)]).then(
      ([api, signal]) => new SimulatedTexting(ctx, api, signal),
    );
    wiring.simulatedTexting = sim;
    sim.catch(() => {
      if (wiring.simulatedTexting === sim) wiring.simulatedTexting = null;
    });
  }
  return wiring.simulatedTexting;
}

/** A Signal account id for a simulated contact: a UUID made from the number, the same each time. */
function uuidOf(number: string): string {
  const hex = createHash('sha256').update(`simulated-signal:${number}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
