import type { Context } from 'hono';
import type { Actor, AuditActor, Member } from '../domain/actor.js';
import { unauthenticated } from '../domain/errors.js';
import type { AppEnv } from './context.js';

/** The signed-in caller as services see them; guards have already established there is one. */
export function actorOf(c: Context<AppEnv>, message = 'sign in first'): Actor {
  const auth = c.get('auth');
  if (!auth.pubkey) throw unauthenticated(message);
  return {
    userId: auth.user?.id ?? null,
    pubkey: auth.pubkey,
    permissions: auth.user?.permissions ?? [],
    ipHash: auth.ipHash,
  };
}

/** The caller as a registered member (the calls screens need their user id). */
export function memberOf(c: Context<AppEnv>): Member {
  const actor = actorOf(c);
  if (!actor.userId) throw unauthenticated();
  return { ...actor, userId: actor.userId };
}

/** Who the audit chain records for this request: the signing key (if any) and the hashed address. */
export function auditActorOf(c: Context<AppEnv>): AuditActor {
  const auth = c.get('auth');
  return { pubkey: auth.pubkey, ipHash: auth.ipHash };
}
