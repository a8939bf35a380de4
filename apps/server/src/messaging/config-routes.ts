import { Hono } from 'hono';
import { z } from 'zod';
import { auditActorOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { requires } from '../http/guard.js';
import { noQuery, readJson, readParams } from '../http/validate.js';
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

  app.get('/settings/channels', requires('settings:read'), async (c) => {
    noQuery(c);
    return c.json({ channels: await listChannelConfigs(ctx) });
  });

  app.put('/settings/channels/:channel', requires('settings:write'), async (c) => {
    noQuery(c);
    const { channel } = readParams(c, ChannelParams);
    const body = await readJson(c, ConfigBody);
    return c.json(await saveChannelConfig(ctx, auditActorOf(c), channel, body));
  });

  // Out of service without losing the credentials: webhooks answer 404, replies are refused.
  app.put('/settings/channels/:channel/disabled', requires('settings:write'), async (c) => {
    noQuery(c);
    const { channel } = readParams(c, ChannelParams);
    const { disabled } = await readJson(c, DisabledBody);
    return c.json(await setChannelDisabled(ctx, auditActorOf(c), channel, disabled));
  });

  app.delete('/settings/channels/:channel', requires('settings:write'), async (c) => {
    noQuery(c);
    const { channel } = readParams(c, ChannelParams);
    await deleteChannelConfig(ctx, auditActorOf(c), channel);
    return c.body(null, 204);
  });

  return app;
}
