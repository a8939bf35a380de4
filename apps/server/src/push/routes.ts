import { randomUUID } from 'node:crypto';
import { PushSubscriptionBody } from '@llamenos/protocol';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { notFound } from '../domain/errors.js';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { isMember } from '../http/guard.js';
import { readJson, readParams } from '../http/validate.js';
import { checkEndpoint } from './endpoint.js';
import { deleteOwnSubscription, trimSubscriptions, upsertSubscription } from './store.js';
import { vapidPublicKey } from './vapid.js';

const SubscriptionIdParam = z.object({ id: z.uuid() }).strict();

/** Devices one member may have woken at once; a new one beyond this replaces their oldest. */
export const MAX_DEVICES_PER_MEMBER = 10;

/**
 * Web Push routes. A member subscribes each of their browsers after opting in (settings), and
 * removes it when they opt out; only their own subscriptions, never another member's.
 */
export function pushRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const noStore = (c: Context<AppEnv>) => c.header('cache-control', 'no-store');

  app.get('/push/vapid-key', isMember(), async (c) => {
    noStore(c);
    return c.json({ publicKey: await vapidPublicKey(ctx) });
  });
  app.post('/push/subscriptions', isMember(), async (c) => {
    const member = memberOf(c);
    const body = await readJson(c, PushSubscriptionBody);
    checkEndpoint(body.endpoint, ctx.config);
    const id = await upsertSubscription(
      ctx.db,
      { id: randomUUID(), userId: member.userId, endpoint: body.endpoint, ...body.keys },
      ctx.now(),
    );
    await trimSubscriptions(ctx.db, member.userId, MAX_DEVICES_PER_MEMBER);
    noStore(c);
    return c.json({ id }, 201);
  });
  app.delete('/push/subscriptions/:id', isMember(), async (c) => {
    const member = memberOf(c);
    const { id } = readParams(c, SubscriptionIdParam);
    if (!(await deleteOwnSubscription(ctx.db, member.userId, id)))
      throw notFound('no such push subscription');
    return c.body(null, 204);
  });
  return app;
}
