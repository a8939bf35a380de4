import type { ServerContext } from '../http/context.js';
import type { SimulatedTexting } from '../simulator/texting.js';
import type { ProviderTransport } from '../telephony/http.js';
import { simulatorAccount } from '../telephony/simulator/credentials.js';
import type { ChannelId, ConversationIngest, MessagingChannel } from './channel.js';
import type { ChannelConfig } from './config.js';
import { type KeptChannelRecord, loadChannelConfig, loadChannelRecord } from './config-service.js';
import { createPlivoChannel } from './plivo/adapter.js';
import { createSignalChannel } from './signal/adapter.js';
import type { SignalReceiver } from './signal/receiver.js';
import { createSignalWireChannel } from './signalwire/adapter.js';
import type { FakeMessagesApi } from './simulator/fake-messages-api.js';
import type { FakeSignalCliApi } from './simulator/fake-signal-cli.js';
import { simulatedMessagesApi, simulatedSignalApi } from './simulator/instance.js';
import { createTwilioChannel } from './twilio/adapter.js';
import { createVonageChannel } from './vonage/adapter.js';
import { createMetaWhatsAppChannel } from './whatsapp/adapter.js';

/** Knobs for tests: point a real adapter at a local fake, shorten its time limit. */
export interface ChannelOverrides extends ProviderTransport {
  apiBaseUrl?: string;
  /** Meta only: where media bytes are downloaded from (its CDN in production). */
  mediaBaseUrl?: string;
  /** Signal only: the first delay before reconnecting the receive socket (default 500 ms). */
  reconnectDelayMs?: number;
}

/**
 * How messaging reaches its channels, held by the server context (`ctx.messaging`), built in
 * context.ts. Adapters are built per use from the stored configuration, so a changed token
 * applies to the next message without a restart.
 */
export interface MessagingWiring {
  /** Given to the context builder by tests (a local fake API, a shorter limit); empty in production. */
  readonly overrides: Partial<Record<ChannelId, ChannelOverrides>>;
  /**
   * Where channels hand what they receive: the conversations module (ctx.conversations) once it
   * exists. Null means messages cannot be taken yet: webhooks answer 503 and providers retry.
   */
  ingest: ConversationIngest | null;
  /** Each channel's opened configuration as webhooks read it, fresh as the settings are (config-service.ts). */
  readonly channelRecords: Map<ChannelId, KeptChannelRecord>;
  /** The Signal receiver (a WebSocket to signal-cli-rest-api) once started. */
  signal: SignalReceiver | null;
  /** The simulated carrier's Messages API, started on first use (never in production). */
  simulatedApi: Promise<FakeMessagesApi> | null;
  /** The simulated carrier's signal-cli-rest-api, started on first use (never in production). */
  simulatedSignal: Promise<FakeSignalCliApi> | null;
  /** The simulated contacts who text the hotline from the /simulator page (simulator/texting.ts). */
  simulatedTexting: Promise<SimulatedTexting> | null;
}

/** A channel that is not connected (nothing stored), or cannot be in this mode. */
export class ChannelNotConfiguredError extends Error {
  override readonly name = 'ChannelNotConfiguredError';
  constructor(
    readonly channel: ChannelId,
    reason: string,
  ) {
    super(`${channel} is not configured: ${reason}`);
  }
}

/** The URL a provider reports delivery statuses to (what the operator pastes, and what we pass on sends). */
export const channelWebhookUrl = (ctx: ServerContext, channel: ChannelId, step: 'inbound' | 'status') =>
  `${ctx.config.PUBLIC_URL.replace(/\/+$/, '')}/api/messaging/${channel}/${step}`;

/** A channel's stored configuration, by channel; throws ChannelNotConfiguredError when nothing is stored. */
type ConfigSource = <C extends ChannelId>(channel: C) => Promise<ChannelConfig[C]>;

/** The adapter for `channel` from its stored configuration; throws ChannelNotConfiguredError without one. */
export async function createChannel(ctx: ServerContext, channel: ChannelId): Promise<MessagingChannel> {
  return buildChannel(ctx, channel, (c) => stored(ctx, c));
}

/**
 * The adapter for `channel` and the addresses it receives on, from one read of the stored row
 * (what a webhook needs for each delivery); throws ChannelNotConfiguredError without one.
 */
export async function createChannelWithAddresses(
  ctx: ServerContext,
  channel: ChannelId,
): Promise<{ adapter: MessagingChannel; addresses: readonly string[] }> {
  const record = await loadChannelRecord(ctx, channel);
  if (!record) throw new ChannelNotConfiguredError(channel, 'nothing is stored for it');
  // The record was read for this very channel, so it is that channel's configuration.
  const adapter = await buildChannel(
    ctx,
    channel,
    async <C extends ChannelId>() => record.config as ChannelConfig[C],
  );
  return { adapter, addresses: record.addresses };
}

async function buildChannel(
  ctx: ServerContext,
  channel: ChannelId,
  configOf: ConfigSource,
): Promise<MessagingChannel> {
  const overrides = ctx.messaging.overrides[channel] ?? {};
  const transport = { timeoutMs: overrides.timeoutMs, fetch: overrides.fetch };
  const statusUrl = channelWebhookUrl(ctx, channel, 'status');
  switch (channel) {
    case 'twilio-sms':
    case 'twilio-whatsapp': {
      const config = await configOf(channel);
      const template = 'outsideWindowTemplate' in config ? (config.outsideWindowTemplate ?? null) : null;
      if ('simulated' in config) {
        const api = await simulatedMessagesApi(ctx).catch(() => {
          throw new ChannelNotConfiguredError(channel, 'the simulated carrier is off in production');
        });
        return createTwilioChannel({
          id: channel,
          ...simulatorAccount(ctx.config.serverSecret),
          apiBaseUrl: overrides.apiBaseUrl ?? api.baseUrl,
          statusUrl,
          outsideWindowTemplate: template,
          ...transport,
        });
      }
      return createTwilioChannel({
        id: channel,
        accountSid: config.accountSid,
        authToken: config.authToken,
        apiBaseUrl: overrides.apiBaseUrl,
        statusUrl,
        outsideWindowTemplate: template,
        ...transport,
      });
    }
    case 'signalwire-sms': {
      const config = await configOf(channel);
      return createSignalWireChannel({
        ...config,
        spaceUrl: overrides.apiBaseUrl ?? config.spaceUrl,
        statusUrl,
        ...transport,
      });
    }
    case 'plivo-sms': {
      const config = await configOf(channel);
      return createPlivoChannel({ ...config, apiBaseUrl: overrides.apiBaseUrl, statusUrl, ...transport });
    }
    case 'vonage': {
      const config = await configOf(channel);
      return createVonageChannel({ ...config, apiBaseUrl: overrides.apiBaseUrl, now: ctx.now, ...transport });
    }
    case 'whatsapp': {
      const config = await configOf(channel);
      return createMetaWhatsAppChannel({
        ...config,
        apiBaseUrl: overrides.apiBaseUrl,
        mediaBaseUrl: overrides.mediaBaseUrl,
        ...transport,
      });
    }
    case 'signal': {
      const config = await configOf(channel);
      return createSignalChannel({
        number: config.number,
        apiUrl: overrides.apiBaseUrl ?? (await signalApiUrl(ctx, config)),
        ...transport,
      });
    }
  }
}

/** Where signal-cli-rest-api is: as configured, or the simulated carrier's (refused in production). */
export async function signalApiUrl(ctx: ServerContext, config: ChannelConfig['signal']): Promise<string> {
  if (!('simulated' in config)) return config.apiUrl;
  const api = await simulatedSignalApi(ctx).catch(() => {
    throw new ChannelNotConfiguredError('signal', 'the simulated carrier is off in production');
  });
  return api.baseUrl;
}

async function stored<C extends ChannelId>(ctx: ServerContext, channel: C) {
  const config = await loadChannelConfig(ctx, channel);
  if (!config) throw new ChannelNotConfiguredError(channel, 'nothing is stored for it');
  return config;
}
