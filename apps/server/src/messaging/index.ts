import type { Hono } from 'hono';
import type { AppEnv, ServerContext } from '../http/context.js';
import { simulatorTextingRoutes } from '../simulator/texting-routes.js';
import { channelConfigRoutes } from './config-routes.js';
import { messagingWebhookRoutes } from './routes.js';
import { stopSignalReceiver } from './signal/receiver.js';
import { stopSimulatedMessagesApi } from './simulator/instance.js';

export { loadChannelConfig, saveChannelConfig } from './config-service.js';
/** Messaging channels (SMS, WhatsApp, Signal): what the rest of the server uses of them. */
export type { ChannelOverrides, MessagingWiring } from './registry.js';
export { ChannelNotConfiguredError, channelWebhookUrl, createChannel } from './registry.js';
export { messagingMigrations } from './schema.js';
export { restartSignalReceiverOn, startSignalReceiver } from './signal/receiver.js';

/** Closes what messaging holds open: the Signal socket and the simulated carrier's Messages API. */
export async function stopMessaging(ctx: ServerContext): Promise<void> {
  await stopSignalReceiver(ctx);
  await stopSimulatedMessagesApi(ctx);
}

export function messagingRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = messagingWebhookRoutes(ctx);
  app.route('/', channelConfigRoutes(ctx));
  // The simulated carrier's texting controls (loopback only, never in production).
  app.route('/', simulatorTextingRoutes(ctx));
  return app;
}
