import type { BanView } from '@llamenos/protocol';
import { type Queryable, returnsRow } from '../../db/database.js';

/** A `call_bans` row as the database returns it: the caller's keyed hash, never the number. */
interface CallBansTable {
  caller_hash: string;
  caller_last4: string | null;
  reason: string;
  created_by: string | null;
  created_at: Date;
  expires_at: Date | null;
}

function banFromRow(r: CallBansTable): BanView {
  return {
    callerHash: r.caller_hash,
    callerLast4: r.caller_last4 ?? null,
    reason: r.reason,
    createdBy: r.created_by ?? null,
    createdAt: new Date(r.created_at).toISOString(),
    expiresAt: r.expires_at ? new Date(r.expires_at).toISOString() : null,
  };
}

export async function listBans(db: Queryable): Promise<BanView[]> {
  const rows = await db.query<CallBansTable>(
    'select * from call_bans order by created_at desc, caller_hash limit 5000',
  );
  return rows.map(banFromRow);
}

/** Whether a ban on `callerHash` is in force at `now`. */
export async function isBanned(db: Queryable, callerHash: string, now: Date): Promise<boolean> {
  return returnsRow(
    db,
    'select 1 from call_bans where caller_hash = $1 and (expires_at is null or expires_at > $2)',
    [callerHash, now],
  );
}

/** Inserts or refreshes one ban inside `tx`. */
export async function upsertBan(
  tx: Queryable,
  ban: {
    callerHash: string;
    callerLast4: string | null;
    reason: string;
    createdBy: string | null;
    expiresAt: Date | null;
  },
  now: Date,
): Promise<BanView> {
  const [row] = await tx.query<CallBansTable>(
    `insert into call_bans (caller_hash, caller_last4, reason, created_by, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (caller_hash) do update set reason = excluded.reason, created_by = excluded.created_by,
       created_at = excluded.created_at, expires_at = excluded.expires_at,
       caller_last4 = coalesce(excluded.caller_last4, call_bans.caller_last4)
     returning *`,
    [ban.callerHash, ban.callerLast4, ban.reason, ban.createdBy, now, ban.expiresAt],
  );
  return banFromRow(row!);
}

/** Deletes the ban; returns the removed row's last four digits, or undefined when there was none. */
export async function deleteBan(
  tx: Queryable,
  callerHash: string,
): Promise<{ callerLast4: string | null } | undefined> {
  const [row] = await tx.query<Pick<CallBansTable, 'caller_last4'>>(
    'delete from call_bans where caller_hash = $1 returning caller_last4',
    [callerHash],
  );
  return row ? { callerLast4: row.caller_last4 ?? null } : undefined;
}
