import { CryptoError, hashPhone, phoneLast4 } from '@llamenos/crypto';
import type { BanView, CreateBansBody, CreateBansResponse } from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import type { Actor } from '../domain/actor.js';
import { notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { deleteBan, upsertBan } from './store/bans.js';

/**
 * The ban list: keyed hashes of callers' numbers. Numbers given by an admin are hashed on
 * arrival and never stored, logged or echoed; a ban made from a call uses the call's hash.
 */

/** Bulk import: each number normalized and hashed; bad entries are reported by index only. */
export async function addBans(
  ctx: ServerContext,
  actor: Actor,
  body: CreateBansBody,
): Promise<CreateBansResponse> {
  const now = ctx.now();
  const invalid: number[] = [];
  const entries = new Map<string, string>();
  body.numbers.forEach((number, index) => {
    try {
      entries.set(hashPhone(ctx.keys.hashKey, number), phoneLast4(number));
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      invalid.push(index);
    }
  });
  const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
  const bans = await ctx.db.transaction(async (tx) => {
    const out: BanView[] = [];
    for (const [callerHash, callerLast4] of entries)
      out.push(
        await upsertBan(
          tx,
          { callerHash, callerLast4, reason: body.reason, createdBy: actor.userId, expiresAt },
          now,
        ),
      );
    if (out.length)
      await auditActionInTx(tx, actor, now, {
        action: 'calls.banned',
        target: 'bans',
        details: {
          source: 'import',
          count: out.length,
          invalid: invalid.length,
          expires: expiresAt?.toISOString() ?? 'never',
        },
      });
    return out;
  });
  return { added: bans.length, invalid, bans };
}

export async function removeBan(ctx: ServerContext, actor: Actor, callerHash: string): Promise<void> {
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    const removed = await deleteBan(tx, callerHash);
    if (!removed) throw notFound('no such ban');
    await auditActionInTx(tx, actor, now, {
      action: 'calls.unbanned',
      target: `ban:${callerHash.slice(0, 12)}`,
      details: { callerLast4: removed.callerLast4 ?? 'unknown' },
    });
  });
}
