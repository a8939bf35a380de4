import { timingSafeEqual } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv, ServerContext } from '../http/context.js';
import { ApiError, conflict, gone, notFound } from '../http/errors.js';
import { isMember, isPublic, requires } from '../http/guard.js';
import { readParams } from '../http/validate.js';
import { HubKeyError, ownCurrentWrap, ownWrapOf, relayWriters, rotateHubKey } from './hub-keys.js';

const KeyIdParam = z.object({ id: z.string().min(1).max(64) }).strict();

function toApiError(error: unknown): unknown {
  if (!(error instanceof HubKeyError)) return error;
  if (error.kind === 'not_found') return notFound(error.message);
  if (error.kind === 'gone') return gone(error.message);
  return conflict(error.message);
}

async function run<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw toApiError(error);
  }
}

const pubkeyOf = (c: Context<AppEnv>): string => {
  const pubkey = c.get('auth').user?.pubkey;
  if (!pubkey) throw new ApiError(401, 'unauthenticated', 'sign in first');
  return pubkey;
};

/** Compares without leaking, through timing, how much of the token matched. */
function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Hub-key routes: each member reads only their own wrap (of the current key, or of a key
 * retired minutes ago, for events in flight during a rotation); admins may force a rotation.
 * The writer list serves the strfry write-policy plugin (deploy/strfry), which holds
 * NOSTR_WRITERS_TOKEN; without the token the route does not exist (404), so it reveals
 * neither the member keys nor itself.
 */
export function realtimeRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const noStore = (c: Context<AppEnv>) => c.header('cache-control', 'no-store');

  app.get('/hub-key', isMember(), async (c) => {
    const view = await run(ownCurrentWrap(ctx, pubkeyOf(c)));
    noStore(c);
    return c.json(view);
  });
  app.get('/hub-key/:id', isMember(), async (c) => {
    const { id } = readParams(c, KeyIdParam);
    const view = await run(ownWrapOf(ctx, id, pubkeyOf(c)));
    noStore(c);
    return c.json(view);
  });
  app.post('/hub-key/rotate', requires('settings:write'), async (c) => {
    const auth = c.get('auth');
    const keyId = await rotateHubKey(ctx, 'admin', { pubkey: auth.pubkey!, ipHash: auth.ipHash });
    await ctx.realtime?.bridge?.membersChanged();
    return c.json({ keyId });
  });
  app.get('/realtime/writers', isPublic(), async (c) => {
    const expected = ctx.config.NOSTR_WRITERS_TOKEN;
    // Its own header: the Authorization header belongs to the request-signing middleware.
    const given = c.req.header('x-llamenos-writers-token');
    if (!expected || !tokenMatches(given, expected)) throw notFound('no route GET /api/realtime/writers');
    noStore(c);
    return c.json({ serverPubkey: ctx.keys.nostrPublicKey, writers: await relayWriters(ctx) });
  });
  return app;
}
