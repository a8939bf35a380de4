import type { TelephonyProvider } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import { maskPhones } from '../logging.js';
import { TelephonyNotConfiguredError } from '../telephony/errors.js';
import type { EventTelephony, Telephony, WebhookTelephony } from '../telephony/provider.js';
import { createTelephony, type TelephonyOverrides } from '../telephony/registry.js';

/**
 * The router's way to a provider adapter. Adapters are built per use from stored credentials
 * (a changed token applies to the next request). Tests point real adapters at a local fake
 * API through `setTelephonyOverrides`; production code never sets them.
 */
const overrides = new WeakMap<ServerContext, Partial<Record<TelephonyProvider, TelephonyOverrides>>>();

export function setTelephonyOverrides(
  ctx: ServerContext,
  provider: TelephonyProvider,
  value: TelephonyOverrides,
): void {
  overrides.set(ctx, { ...overrides.get(ctx), [provider]: value });
}

/** The test overrides set for `provider` (none in production). */
export const telephonyOverrides = (ctx: ServerContext, provider: TelephonyProvider): TelephonyOverrides =>
  overrides.get(ctx)?.[provider] ?? {};

/**
 * Event adapters (Asterisk ARI) are built once and kept by their bridge (ari-bridge.ts): their
 * events socket and the state of prompts and screenings live in that one object, so every
 * operation on their calls must go through it.
 */
const running = new WeakMap<ServerContext, Map<TelephonyProvider, EventTelephony>>();

export function setRunningEventAdapter(
  ctx: ServerContext,
  provider: TelephonyProvider,
  adapter: EventTelephony | null,
): void {
  const map = running.get(ctx) ?? new Map<TelephonyProvider, EventTelephony>();
  running.set(ctx, map);
  if (adapter) map.set(provider, adapter);
  else map.delete(provider);
}

/**
 * What ringing, cancelling, hanging up and voicemail use: any provider's call control. For an
 * event provider, the adapter its bridge keeps; with no bridge running there is none.
 */
export async function controlAdapter(ctx: ServerContext, provider: TelephonyProvider): Promise<Telephony> {
  const kept = running.get(ctx)?.get(provider);
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
  const adapter = await createTelephony(ctx, provider, overrides.get(ctx)?.[provider] ?? {});
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
