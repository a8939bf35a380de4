import { randomUUID } from 'node:crypto';
import { fromBase64url, generateHubKey, toBase64url, unwrapHubKey, wrapHubKey } from '@llamenos/crypto';
import type { HubKeyWrapView } from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';

/**
 * The hub key lifecycle (docs/PROTOCOL.md Section 11): 32 random bytes per epoch, wrapped for
 * every active member and for the server (which encrypts the events it publishes). A member
 * who leaves triggers a rotation: the new key is wrapped only for those who remain, so events
 * published afterwards are unreadable with the old key.
 *
 * Every change runs in a transaction holding one advisory lock, so rotations, first creation
 * and on-demand wraps are serialized across server processes; the partial unique index on
 * hub_keys is the last line of defence against two current keys.
 */

/** Arbitrary constant naming the hub-key lock among PostgreSQL advisory locks. */
const HUB_KEY_LOCK = 7_406_202_611;

/** How long a retired key stays readable for members (events in flight during a rotation). */
export const RETIRED_KEY_GRACE_MS = 10 * 60 * 1000;

export class HubKeyError extends Error {
  constructor(
    readonly kind: 'not_found' | 'gone' | 'not_member',
    message: string,
  ) {
    super(message);
  }
}

export interface HubKey {
  id: string;
  key: Uint8Array;
}

/**
 * The server's unwrapped current key, kept in the context (ctx.caches.hubKey). Unwrapping costs an ECDH and checking the
 * current id a query, too much for every event at full rate, so the id is re-checked at most
 * every CURRENT_CHECK_MS. A rotation on this process updates the cache at once; one on another
 * process announces itself through the bridge (forgetHubKey), the interval being only a backstop
 * for a lost notification.
 */
export type CachedHubKey = HubKey & { checkedAt: number };
const CURRENT_CHECK_MS = 1000;

export const forgetHubKey = (ctx: ServerContext): void => {
  ctx.caches.hubKey = null;
};

const lock = (tx: Queryable) => tx.query('select pg_advisory_xact_lock($1)', [HUB_KEY_LOCK]);

async function currentId(q: Queryable): Promise<string | null> {
  const [row] = await q.query<{ id: string }>('select id from hub_keys where retired_at is null');
  return row?.id ?? null;
}

/** Creates a new current key (retiring the old one) and wraps it for every active member and the server. Caller holds the lock. */
async function createInTx(
  tx: Queryable,
  ctx: ServerContext,
  reason: string,
): Promise<HubKey & { previous: string | null }> {
  const now = ctx.now();
  const previous = await currentId(tx);
  if (previous) await tx.query('update hub_keys set retired_at = $2 where id = $1', [previous, now]);
  // Wraps of keys past their grace period are of no use to anyone: drop them.
  await tx.query(
    'delete from hub_key_wraps where hub_key_id in (select id from hub_keys where retired_at < $1)',
    [new Date(now.getTime() - RETIRED_KEY_GRACE_MS)],
  );
  const id = randomUUID();
  const key = generateHubKey();
  await tx.query('insert into hub_keys (id, created_at, reason) values ($1, $2, $3)', [id, now, reason]);
  const members = await tx.query<{ pubkey: string }>('select pubkey from users where active');
  const pubkeys = [...new Set([ctx.keys.nostrPublicKey, ...members.map((m) => m.pubkey)])];
  const wraps = pubkeys.map((pubkey) => toBase64url(wrapHubKey(key, pubkey, id)));
  await tx.query(
    `insert into hub_key_wraps (hub_key_id, pubkey, wrap)
     select $1, p, w from unnest($2::text[], $3::text[]) as t(p, w)`,
    [id, pubkeys, wraps],
  );
  return { id, key, previous };
}

export interface RotationActor {
  pubkey: string;
  ipHash: string | null;
}

/**
 * Replaces the current hub key. An admin's rotation is audited with the action; automatic ones
 * (a member removed) are recorded by the `reason` of the key row, next to the identity audit
 * entry of the removal itself.
 */
export async function rotateHubKey(
  ctx: ServerContext,
  reason: string,
  actor?: RotationActor,
): Promise<string> {
  const created = await ctx.db.transaction(async (tx) => {
    await lock(tx);
    const result = await createInTx(tx, ctx, reason);
    if (actor)
      await auditActionInTx(tx, actor, ctx.now(), {
        action: 'realtime.hub-key-rotated',
        target: `hub-key:${result.id}`,
        details: { reason, previous: result.previous },
      });
    return result;
  });
  ctx.caches.hubKey = { id: created.id, key: created.key, checkedAt: Date.now() };
  return created.id;
}

/** Creates the first hub key if there is none (start-up, or first use); concurrent callers create one. */
export async function ensureHubKey(ctx: ServerContext): Promise<string> {
  const existing = await currentId(ctx.db);
  if (existing) return existing;
  return ctx.db.transaction(async (tx) => {
    await lock(tx);
    const again = await currentId(tx);
    if (again) return again;
    return (await createInTx(tx, ctx, 'initial')).id;
  });
}

/** The current hub key, unwrapped with the server's own key; the one every published event uses. */
export async function currentHubKey(ctx: ServerContext): Promise<HubKey> {
  const cached = ctx.caches.hubKey;
  if (cached && Date.now() - cached.checkedAt < CURRENT_CHECK_MS) return cached;
  const id = (await currentId(ctx.db)) ?? (await ensureHubKey(ctx));
  if (cached?.id === id) {
    cached.checkedAt = Date.now();
    return cached;
  }
  const [row] = await ctx.db.query<{ wrap: string }>(
    'select wrap from hub_key_wraps where hub_key_id = $1 and pubkey = $2',
    [id, ctx.keys.nostrPublicKey],
  );
  if (!row) {
    // The server secret changed since this key was made: the server cannot read it, so replace it.
    await rotateHubKey(ctx, 'server-key-changed');
    return currentHubKey(ctx);
  }
  const key = unwrapHubKey(fromBase64url(row.wrap, 'hub key wrap'), ctx.keys.nostrSecretKey, id);
  ctx.caches.hubKey = { id, key, checkedAt: Date.now() };
  return { id, key };
}

/**
 * Loads the current hub key into the context's cache, as the first hub event would, if one
 * exists (startRealtime makes it; none is made here): a started server's first text then does
 * not unwrap it (conversations/warm-up.ts). Whether one was loaded.
 */
export async function loadCurrentHubKey(ctx: ServerContext): Promise<boolean> {
  if (!(await currentId(ctx.db))) return false;
  await currentHubKey(ctx);
  return true;
}

/**
 * The caller's wrap of the current key. A member who joined after the key was made (an invite,
 * a reactivation) gets theirs wrapped now. Membership is checked again under the lock, so a
 * member deactivated a moment ago cannot obtain a wrap of the key that replaced theirs.
 */
export async function ownCurrentWrap(ctx: ServerContext, pubkey: string): Promise<HubKeyWrapView> {
  await ensureHubKey(ctx);
  const { id, key } = await currentHubKey(ctx);
  return ctx.db.transaction(async (tx) => {
    await lock(tx);
    const [member] = await tx.query('select 1 from users where pubkey = $1 and active', [pubkey]);
    if (!member) throw new HubKeyError('not_member', 'this key is not an active member of the hotline');
    const nowId = await currentId(tx);
    // A rotation committed between our read and the lock: the caller asks again and gets the new key.
    if (nowId !== id) throw new HubKeyError('gone', 'the hub key was just rotated; fetch it again');
    const [existing] = await tx.query<{ wrap: string }>(
      'select wrap from hub_key_wraps where hub_key_id = $1 and pubkey = $2',
      [id, pubkey],
    );
    if (existing) return { keyId: id, wrap: existing.wrap, current: true };
    const wrap = toBase64url(wrapHubKey(key, pubkey, id));
    await tx.query('insert into hub_key_wraps (hub_key_id, pubkey, wrap) values ($1, $2, $3)', [
      id,
      pubkey,
      wrap,
    ]);
    return { keyId: id, wrap, current: true };
  });
}

/** The caller's wrap of a given key: the current one, or one retired less than RETIRED_KEY_GRACE_MS ago. */
export async function ownWrapOf(ctx: ServerContext, keyId: string, pubkey: string): Promise<HubKeyWrapView> {
  const [row] = await ctx.db.query<{ wrap: string; retired_at: Date | null }>(
    `select w.wrap, k.retired_at from hub_key_wraps w join hub_keys k on k.id = w.hub_key_id
     where w.hub_key_id = $1 and w.pubkey = $2`,
    [keyId, pubkey],
  );
  if (!row) throw new HubKeyError('not_found', 'no wrap of this hub key for you');
  const retired = row.retired_at ? new Date(row.retired_at) : null;
  if (retired && ctx.now().getTime() - retired.getTime() > RETIRED_KEY_GRACE_MS)
    throw new HubKeyError('gone', 'this hub key was retired too long ago');
  return { keyId, wrap: row.wrap, current: retired === null };
}

/** Keys allowed to write to the relay: the server and every active member. */
export async function relayWriters(ctx: ServerContext): Promise<string[]> {
  const rows = await ctx.db.query<{ pubkey: string }>(
    'select pubkey from users where active order by pubkey',
  );
  return [ctx.keys.nostrPublicKey, ...rows.map((r) => r.pubkey)];
}
