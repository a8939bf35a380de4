import type { TelephonyProvider } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import { maskPhones } from '../logging.js';
import { TelephonyNotConfiguredError } from '../telephony/errors.js';
import type { EventTelephony, Telephony, WebhookTelephony } from '../telephony/provider.js';
import { createTelephony, type TelephonyOverrides } from '../telephony/registry.js';
import type { BrowserConnector } from './browser.js';

/**
 * The router's way to a provider adapter, held by the server context. Webhook adapters are
 * built per use from stored credentials (a changed token applies to the next request).
 */
export interface TelephonyWiring {
  /** Given to the context builder by tests (a local fake API, a shorter limit); empty in production. */
  readonly overrides: Partial<Record<TelephonyProvider, TelephonyOverrides>>;
  /**
   * Event adapters (Asterisk ARI) are built once and kept by their bridge (ari-bridge.ts): their
   * events socket and the state of prompts and screenings live in that one object, so every
   * operation on their calls must go through it.
   */
  readonly eventAdapters: Map<TelephonyProvider, EventTelephony>;
  /** How a volunteer who answered in the browser is connected, by provider (browser.ts). */
  readonly browserConnectors: Partial<Record<TelephonyProvider, BrowserConnector>>;
}

/** The test overrides given for `provider` (none in production). */
export const telephonyOverrides = (ctx: ServerContext, provider: TelephonyProvider): TelephonyOverrides =>
  ctx.telephony.overrides[provider] ?? {};

/**
 * What ringing, cancelling, hanging up and voicemail use: any provider's call control. For an
 * event provider, the adapter its bridge keeps; with no bridge running there is none.
 */
export async function controlAdapter(ctx: ServerContext, provider: TelephonyProvider): Promise<Telephony> {
  const kept = ctx.telephony.eventAdapters.get(provider);
  if (kept) return kept;
  const adapter = await createTelephony(ctx, provider, telephonyOverrides(ctx, provider));
  if (adapter.transport === 'events')
    throw new TelephonyNotConfiguredError(provider, 'route', 'its event bridge is not running');
  return adapter;
}

/** The webhook adapter for `provider`; event transports (Asterisk ARI) have no webhooks. */
export async function webhookAdapter(
  ctx: ServerContext,
  provider: TelephonyProvider,
): Promise<WebhookTelephony> {
  const adapter = await createTelephony(ctx, provider, telephonyOverrides(ctx, provider));
  if (adapter.transport !== 'webhook')
    throw new TelephonyNotConfiguredError(provider, 'route', 'event transports are not routed by webhooks');
  return adapter;
}

/** Only the simulated carrier can connect a volunteer who answers in the browser (no WebRTC yet). */
export const connectsBrowsers = (provider: string): boolean => provider === 'simulator';

/** Error details safe to log: provider errors are already masked; others by name and message. */
export const errorInfo = (error: unknown) => ({
  name: (error as Error)?.name ?? 'Error',
  message: maskPhones(String((error as Error)?.message ?? error)).slice(0, 300),
});
