import type { ServerContext } from '../../http/context.js';
import { simulatorAccount } from './credentials.js';
import { FakeTwilioApi } from './fake-twilio-api.js';

/**
 * The in-process Twilio API the simulated carrier plays: one per server context (its
 * `simulator.api` slot), started on first use on 127.0.0.1 (never reachable from outside),
 * stopped with `stopSimulatedCarrierApi`.
 */
export function simulatedCarrierApi(ctx: ServerContext): Promise<FakeTwilioApi> {
  return startedOnce(ctx.simulator, 'api', () =>
    FakeTwilioApi.start(simulatorAccount(ctx.config.serverSecret)),
  );
}

/**
 * A simulated service kept in `slots[key]` of the context: started on first use, then shared.
 * A failed start is not kept, so the next use tries again.
 */
export function startedOnce<Slots, K extends keyof Slots>(
  slots: Slots,
  key: K,
  start: () => NonNullable<Slots[K]> & Promise<unknown>,
): NonNullable<Slots[K]> {
  const kept = slots[key];
  if (kept) return kept;
  const started = start();
  slots[key] = started;
  started.catch(() => {
    if (slots[key] === started) slots[key] = null as Slots[K];
  });
  return started;
}

export async function stopSimulatedCarrierApi(ctx: ServerContext): Promise<void> {
  const api = ctx.simulator.api;
  ctx.simulator.api = null;
  if (api) await (await api).close();
}
