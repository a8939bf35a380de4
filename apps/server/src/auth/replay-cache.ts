import type { Queryable } from '../db/database.js';

/**
 * Remembers each accepted NIP-98 event id until its token would expire anyway. The insert
 * is the check: a second insert of the same id (from any server process) finds the row and
 * the request is refused.
 */
export async function rememberOnce(db: Queryable, eventId: string, rememberUntil: Date): Promise<boolean> {
  const rows = await db.query(
    'insert into auth_replay (event_id, remember_until) values ($1, $2) on conflict (event_id) do nothing returning event_id',
    [eventId, rememberUntil],
  );
  return rows.length === 1;
}

/** Drops ids whose tokens have expired. */
export async function pruneReplayCache(db: Queryable, now: Date): Promise<number> {
  const rows = await db.query('delete from auth_replay where remember_until < $1 returning event_id', [now]);
  return rows.length;
}
