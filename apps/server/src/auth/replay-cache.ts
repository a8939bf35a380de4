import type { Queryable } from '../db/database.js';

/**
 * The NIP-98 replay cache is the auth_replay table: each accepted event id stays until its token
 * would expire anyway. Ids go in through signed-requests.ts (the primary-key insert is the check,
 * batched with the signer's lookups); the periodic sweep drops the expired ones here.
 */
export async function pruneReplayCache(db: Queryable, now: Date): Promise<number> {
  const rows = await db.query('delete from auth_replay where remember_until < $1 returning event_id', [now]);
  return rows.length;
}
