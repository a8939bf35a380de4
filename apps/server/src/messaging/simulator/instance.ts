import type { ServerContext } from '../../http/context.js';
import { simulatedCarrier } from '../../simulator/instance.js';
import { simulatorAccount } from '../../telephony/simulator/credentials.js';
import { startedOnce } from '../../telephony/simulator/instance.js';
import { FakeMessagesApi } from './fake-messages-api.js';
import { FakeSignalCliApi } from './fake-signal-cli.js';

/**
 * The simulated carrier's Messages API: one per server context (`ctx.messaging.simulatedApi`),
 * started on first use on 127.0.0.1, with the same account as the simulated voice carrier
 * (derived from SERVER_SECRET). Never in production (the carrier's own gate decides).
 */
export async function simulatedMessagesApi(ctx: ServerContext): Promise<FakeMessagesApi> {
  // Texting is part of the simulated carrier: its gate refuses production, and nothing here runs then.
  await simulatedCarrier(ctx);
  return startedOnce(ctx.messaging, 'simulatedApi', () =>
    FakeMessagesApi.start(simulatorAccount(ctx.config.serverSecret)),
  );
}

/** The simulated carrier's signal-cli-rest-api (`ctx.messaging.simulatedSignal`), on loopback, first use. */
export async function simulatedSignalApi(ctx: ServerContext): Promise<FakeSignalCliApi> {
  await simulatedCarrier(ctx);
  return startedOnce(ctx.messaging, 'simulatedSignal', () => FakeSignalCliApi.start());
}

export async function stopSimulatedMessagesApi(ctx: ServerContext): Promise<void> {
  const signal = ctx.messaging.simulatedSignal;
  ctx.messaging.simulatedSignal = null;
  await (await signal?.catch(() => null))?.close();
  const texting = ctx.messaging.simulatedTexting;
  ctx.messaging.simulatedTexting = null;
  (await texting?.catch(() => null))?.close();
  const api = ctx.messaging.simulatedApi;
  ctx.messaging.simulatedApi = null;
  if (api) await (await api.catch(() => null))?.close();
}
