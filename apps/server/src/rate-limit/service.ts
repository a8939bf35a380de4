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
    `${rateLimitUpsert({ key: '$1', now: '$2', window: '$3', limit: '$4', block: '$5' }, 'values ($1, $2, 1, null, $3)')}
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

/**
 * hitRateLimit's upsert with the caller's placeholders, for a statement that counts an attempt
 * among other work (conversations/store.ts, an inbound message's one look-up). `rows` is the
 * insert's source: `values (key, now, 1, null, window)` or a select of the same columns that
 * may yield nothing (then nothing is counted). The placeholders may carry casts (`$5::timestamptz`).
 */
export function rateLimitUpsert(
  p: { key: string; now: string; window: string; limit: string; block: string },
  rows: string,
): string {
  const newWindow = `r.window_start <= ${p.now} - make_interval(secs => ${p.window})`;
  return `insert into rate_limits as r (key, window_start, count, blocked_until, window_seconds)
     ${rows}
     on conflict (key) do update set
       window_seconds = ${p.window},
       window_start = case when ${newWindow} then ${p.now} else r.window_start end,
       count = case when ${newWindow} then 1 else r.count + 1 end,
       blocked_until = case
         when r.blocked_until is not null and r.blocked_until > ${p.now} then r.blocked_until
         when (case when ${newWindow} then 1 else r.count + 1 end) > ${p.limit}
           then ${p.now} + make_interval(secs => ${p.block})
         else null end`;
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
