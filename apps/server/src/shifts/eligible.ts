import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { type OnShift, ringList, whoIsOnShift } from './on-shift.js';
import { hotlineTimeZone, rulesAround } from './views.js';

/**
 * Who the call router rings at `instant`: on-shift users (or the fallback group when no
 * on-shift user can take calls), never inactive users, users on break, or users already on a
 * call. The calls table belongs to the call router, which passes the ids of users on a call
 * as `busyUserIds`. The rules themselves are ringList() in on-shift.ts.
 */
export async function eligibleVolunteers(
  ctx: ServerContext,
  instant: Date,
  busyUserIds: ReadonlySet<string> = new Set(),
  db: Queryable = ctx.db,
): Promise<OnShift> {
  const timeZone = await hotlineTimeZone(db);
  const rules = await rulesAround(db, instant, timeZone);
  const scheduled = whoIsOnShift(instant, rules.shifts, rules.exceptions, timeZone);
  const candidates = [...new Set([...scheduled.userIds, ...rules.fallbackUserIds])];
  const rows = candidates.length
    ? await db.query<{ id: string }>(
        'select id from users where id = any($1::text[]) and active and not on_break',
        [candidates],
      )
    : [];
  return ringList(scheduled, rules.fallbackUserIds, new Set(rows.map((r) => r.id)), busyUserIds);
}
