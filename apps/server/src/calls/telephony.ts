import type { TelephonyProvider } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import { maskPhones } from '../logging.js';
import { TelephonyNotConfiguredError } from '../telephony/errors.js';
import type { WebhookTelephony } from '../telephony/provider.js';
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

/** The webhook adapter for `provider`; event transports (Asterisk ARI) are not routed here yet. */
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
