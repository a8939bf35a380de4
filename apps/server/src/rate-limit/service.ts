import type { Queryable } from '../db/database.js';

/** A fixed-window limit: at most `limit` attempts per `windowSeconds`; exceeding it blocks for `blockSeconds`. */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
  blockSeconds: number;
}

type RateLimitVerdict = { allowed: true; count: number } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts one attempt for `key` and decides, in a single upsert, so concurrent attempts on
 * any number of server processes are counted exactly. A block, once set, holds until it
 * expires even if the window rolls over.
 */
export async function hitRateLimit(
  db: Queryable,
  key: string,
  rule: RateLimitRule,
  now: Date,
): Promise<RateLimitVerdict> {
  const [row] = await db.query<{ count: number; blocked_until: Date | null }>(
    `insert into rate_limits as r (key, window_start, count, blocked_until, window_seconds)
     values ($1, $2, 1, null, $3)
     on conflict (key) do update set
       window_seconds = $3,
       window_start = case when r.window_start <= $2 - make_interval(secs => $3) then $2 else r.window_start end,
       count = case when r.window_start <= $2 - make_interval(secs => $3) then 1 else r.count + 1 end,
       blocked_until = case
         when r.blocked_until is not null and r.blocked_until > $2 then r.blocked_until
         when (case when r.window_start <= $2 - make_interval(secs => $3) then 1 else r.count + 1 end) > $4
           then $2 + make_interval(secs => $5)
         else null end
     returning count, blocked_until`,
    [key, now, rule.windowSeconds, rule.limit, rule.blockSeconds],
  );
  const blockedUntil = row?.blocked_until ? new Date(row.blocked_until) : null;
  if (blockedUntil && blockedUntil > now) {
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((blockedUntil.getTime() - now.getTime()) / 1000)),
    };
  }
  return { allowed: true, count: Number(row?.count ?? 1) };
}

/** Forgets the attempts for `key` (after a successful log-in). */
export async function resetRateLimit(db: Queryable, key: string): Promise<void> {
  await db.query('delete from rate_limits where key = $1', [key]);
}

/**
 * Deletes counters that no longer decide anything: their own rule's window is over and no
 * block is running. The next attempt on such a key starts a new window anyway, so nothing
 * a verdict would use is forgotten.
 */
export async function pruneRateLimits(db: Queryable, now: Date): Promise<number> {
  const rows = await db.query(
    `delete from rate_limits
     where window_start <= $1::timestamptz - make_interval(secs => window_seconds)
       and (blocked_until is null or blocked_until <= $1::timestamptz)
     returning key`,
    [now],
  );
  return rows.length;
}

/** Rules for the routes that face guessing. */
export const RATE_LIMITS = {
  login: { limit: 10, windowSeconds: 60, blockSeconds: 300 },
  invite: { limit: 10, windowSeconds: 300, blockSeconds: 900 },
  bootstrap: { limit: 5, windowSeconds: 300, blockSeconds: 900 },
} as const satisfies Record<string, RateLimitRule>;
