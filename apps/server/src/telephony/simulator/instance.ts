import type { ServerContext } from '../../http/context.js';
import { simulatorAccount } from './credentials.js';
import { FakeTwilioApi } from './fake-twilio-api.js';

/**
 * The in-process Twilio API the simulated carrier plays: one per server context (its
 * `simulator.api` slot), started on first use on 127.0.0.1 (never reachable from outside),
 * stopped with `stopSimulatedCarrierApi`.
 */
export function simulatedCarrierApi(ctx: ServerContext): Promise<FakeTwilioApi> {
  const slot = ctx.simulator;
  if (!slot.api) {
    const api = FakeTwilioApi.start(simulatorAccount(ctx.config.serverSecret));
    slot.api = api;
    // A failed start is not kept: the next call tries again.
    api.catch(() => {
      if (slot.api === api) slot.api = null;
    });
  }
  return slot.api;
}

export async function stopSimulatedCarrierApi(ctx: ServerContext): Promise<void> {
  const api = ctx.simulator.api;
  ctx.simulator.api = null;
  if (api) await (await api).close();
}
