import { Hono } from 'hono';
import { z } from 'zod';
import { auditActorOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { endpoint } from '../http/endpoint.js';
import { requires } from '../http/guard.js';
import { CHANNEL_IDS } from './channel.js';
import {
  deleteChannelConfig,
  listChannelConfigs,
  saveChannelConfig,
  setChannelDisabled,
} from './config-service.js';

const ChannelParams = z.object({ channel: z.enum(CHANNEL_IDS) }).strict();
/** The shape is checked per channel by the service (config.ts), after stored secrets are merged in. */
const ConfigBody = z.record(z.string().max(64), z.unknown());
const DisabledBody = z.object({ disabled: z.boolean() }).strict();

/** Admins connect messaging channels here: configurations are sealed at rest, secrets never returned. */
export function channelConfigRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get(
    '/settings/channels',
    requires('settings:read'),
    endpoint({ query: 'none' }, async () => ({ channels: await listChannelConfigs(ctx) })),
  );

  const one = { query: 'none', params: ChannelParams } as const;
  app.put(
    '/settings/channels/:channel',
    requires('settings:write'),
    endpoint({ ...one, body: ConfigBody }, ({ c, params, body }) =>
      saveChannelConfig(ctx, auditActorOf(c), params.channel, body),
    ),
  );

  // Out of service without losing the credentials: webhooks answer 404, replies are refused.
  app.put(
    '/settings/channels/:channel/disabled',
    requires('settings:write'),
    endpoint({ ...one, body: DisabledBody }, ({ c, params, body }) =>
      setChannelDisabled(ctx, auditActorOf(c), params.channel, body.disabled),
    ),
  );

  app.delete(
    '/settings/channels/:channel',
    requires('settings:write'),
    endpoint({ ...one, status: 204 }, ({ c, params }) =>
      deleteChannelConfig(ctx, auditActorOf(c), params.channel),
    ),
  );

  return app;
}
