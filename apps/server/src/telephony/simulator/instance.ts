import type { ServerContext } from '../../http/context.js';
import { simulatorAccount } from './credentials.js';
import { FakeTwilioApi } from './fake-twilio-api.js';

/**
 * The in-process Twilio API the simulated carrier plays: one per server context, started on
 * first use on 127.0.0.1 (never reachable from outside), stopped with `stopSimulatedCarrierApi`.
 */
const running = new WeakMap<ServerContext, Promise<FakeTwilioApi>>();

export function simulatedCarrierApi(ctx: ServerContext): Promise<FakeTwilioApi> {
  let api = running.get(ctx);
  if (!api) {
    api = FakeTwilioApi.start(simulatorAccount(ctx.config.serverSecret));
    running.set(ctx, api);
    // A failed start is not cached: the next call tries again.
    api.catch(() => running.delete(ctx));
  }
  return api;
}

export async function stopSimulatedCarrierApi(ctx: ServerContext): Promise<void> {
  const api = running.get(ctx);
  running.delete(ctx);
  if (api) await (await api).close();
}
