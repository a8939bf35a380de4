import type { ServerContext } from '../http/context.js';
import { loadChannelConfig, saveChannelConfig } from '../messaging/config-service.js';
import { channelWebhookUrl } from '../messaging/registry.js';
import type { FakeMessagesApi, FakeSentMessage } from '../messaging/simulator/fake-messages-api.js';
import { simulatedMessagesApi } from '../messaging/simulator/instance.js';
import { simulatorAccount } from '../telephony/simulator/credentials.js';
import { twilioSignature } from '../telephony/twilio/signature.js';
import { SimulatorError } from './carrier.js';
import { DEFAULT_SIMULATOR_NUMBER } from './instance.js';

/**
 * The simulated carrier's texting side: people typing as an SMS or WhatsApp contact. A contact's
 * message reaches the hotline as the signed Twilio webhook a real provider would send, on the
 * simulated twilio-sms / twilio-whatsapp channel (POST /api/messaging/<channel>/inbound, over
 * loopback, signed over PUBLIC_URL); the hotline's replies go out through the simulated
 * Messages API, which shows them in the contact's thread and reports them delivered through
 * the signed status webhook. Development only: it starts behind the carrier's own gate.
 */
export type TextChannel = 'sms' | 'whatsapp';

export interface SimText {
  /** 'contact' wrote it; 'hotline' is a reply the contact received. */
  by: 'contact' | 'hotline';
  body: string;
  at: string;
  /** For the contact's own messages: how the hotline answered the webhook. */
  delivery: 'accepted' | 'refused' | null;
}

export interface SimThread {
  channel: TextChannel;
  contact: string;
  hotline: string;
  texts: SimText[];
}

const CHANNEL_OF: Record<TextChannel, 'twilio-sms' | 'twilio-whatsapp'> = {
  sms: 'twilio-sms',
  whatsapp: 'twilio-whatsapp',
};
/** Threads kept per process; the oldest go first. */
const MAX_THREADS = 50;
const MAX_TEXTS = 200;

export class SimulatedTexting {
  private readonly threads = new Map<string, SimThread>();
  private readonly account: { accountSid: string; authToken: string };
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: ServerContext,
    private readonly api: FakeMessagesApi,
  ) {
    this.account = simulatorAccount(ctx.config.serverSecret);
    this.unsubscribe = api.onSent((message) => void this.delivered(message));
  }

  close(): void {
    this.unsubscribe();
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
    const signature = twilioSignature(this.account.authToken, url, Object.entries(params));
    const base = this.ctx.config.PUBLIC_URL.replace(/\/+$/, '');
    const origin = this.ctx.simulator.origin;
    const target = origin && url.startsWith(base) ? `${origin}${url.slice(base.length)}` : url;
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(15_000),
      });
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
  if (stored && 'simulated' in stored) return stored.phoneNumbers;
  if (stored)
    throw new SimulatorError(
      `${id} is connected to a real account; the simulator texts only a simulated channel`,
    );
  const config =
    channel === 'whatsapp'
      ? { simulated: true, phoneNumbers: [DEFAULT_SIMULATOR_NUMBER], outsideWindowTemplate: null }
      : { simulated: true, phoneNumbers: [DEFAULT_SIMULATOR_NUMBER] };
  await saveChannelConfig(ctx, { pubkey: null, ipHash: null }, id, config);
  return [DEFAULT_SIMULATOR_NUMBER];
}

/** The texting simulator of this context (its slot is `ctx.messaging.simulatedTexting`), started on first use. */
export async function simulatedTexting(ctx: ServerContext): Promise<SimulatedTexting> {
  const wiring = ctx.messaging;
  if (!wiring.simulatedTexting) {
    const sim = simulatedMessagesApi(ctx).then((api) => new SimulatedTexting(ctx, api));
    wiring.simulatedTexting = sim;
    sim.catch(() => {
      if (wiring.simulatedTexting === sim) wiring.simulatedTexting = null;
    });
  }
  return wiring.simulatedTexting;
}
