import { CryptoError, hashPhone, phoneLast4 } from '@llamenos/crypto';
import type { BanView, CreateBansBody, CreateBansResponse } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { notFound } from '../http/errors.js';

/**
 * The ban list: keyed hashes of callers' numbers. Numbers given by an admin are hashed on
 * arrival and never stored, logged or echoed; a ban made from a call uses the call's hash.
 */
export interface BanActor {
  userId: string;
  pubkey: string | null;
  ipHash: string | null;
}

const view = (r: Record<string, unknown>): BanView => ({
  callerHash: r.caller_hash as string,
  callerLast4: (r.caller_last4 as string | null) ?? null,
  reason: r.reason as string,
  createdBy: (r.created_by as string | null) ?? null,
  createdAt: new Date(r.created_at as string).toISOString(),
  expiresAt: r.expires_at ? new Date(r.expires_at as string).toISOString() : null,
});

export async function listBans(db: Queryable): Promise<BanView[]> {
  const rows = await db.query('select * from call_bans order by created_at desc, caller_hash limit 5000');
  return rows.map(view);
}

/** Inserts or refreshes one ban inside `tx`. */
export async function upsertBan(
  tx: Queryable,
  ban: {
    callerHash: string;
    callerLast4: string | null;
    reason: string;
    createdBy: string;
    expiresAt: Date | null;
  },
  now: Date,
): Promise<BanView> {
  const [row] = await tx.query(
    `insert into call_bans (caller_hash, caller_last4, reason, created_by, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (caller_hash) do update set reason = excluded.reason, created_by = excluded.created_by,
       created_at = excluded.created_at, expires_at = excluded.expires_at,
       caller_last4 = coalesce(excluded.caller_last4, call_bans.caller_last4)
     returning *`,
    [ban.callerHash, ban.callerLast4, ban.reason, ban.createdBy, now, ban.expiresAt],
  );
  return view(row!);
}

/** Bulk import: each number normalized and hashed; bad entries are reported by index only. */
export async function addBans(
  ctx: ServerContext,
  actor: BanActor,
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
      await appendAuditInTx(
        tx,
        {
          action: 'calls.banned',
          actorPubkey: actor.pubkey,
          target: 'bans',
          details: {
            source: 'import',
            count: out.length,
            invalid: invalid.length,
            expires: expiresAt?.toISOString() ?? 'never',
          },
          ipHash: actor.ipHash,
        },
        now,
      );
    return out;
  });
  return { added: bans.length, invalid, bans };
}

export async function removeBan(ctx: ServerContext, actor: BanActor, callerHash: string): Promise<void> {
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    const rows = await tx.query('delete from call_bans where caller_hash = $1 returning caller_last4', [
      callerHash,
    ]);
    if (!rows.length) throw notFound('no such ban');
    await appendAuditInTx(
      tx,
      {
        action: 'calls.unbanned',
        actorPubkey: actor.pubkey,
        target: `ban:${callerHash.slice(0, 12)}`,
        details: { callerLast4: (rows[0]!.caller_last4 as string | null) ?? 'unknown' },
        ipHash: actor.ipHash,
      },
      now,
    );
  });
}
