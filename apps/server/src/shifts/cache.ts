import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { loadRules, type Rules, type ScheduledUser, scheduledUsers, scheduleFingerprint } from './store.js';

/**
 * The schedule as the call queue reads it (every round, several a second under load): the shift
 * rules, ring groups and exceptions around now, and the users they name with whether and how
 * they can be rung, kept in the context instead of read again in six statements each round.
 *
 * Kept fresh by checking, not by trusting for a while as settings/cache.ts does: each read asks
 * the database for a fingerprint of exactly what the copy holds (store.ts scheduleFingerprint,
 * one statement over small tables) and reads again only when it moved. So a change is seen at
 * the next round whoever made it: this process's shift routes, another process, a volunteer
 * going on break (identity's profile route announces nothing), or a test writing the tables
 * directly. No event is needed to drop it (`shifts:changed` and `members:changed` would miss
 * the break toggle and every other process's change), and a copy trusted for a second would
 * ring a volunteer who had just been taken off shift or gone on break.
 */

/** One kept copy: the rules for one window of local dates, and the users they name. */
interface KeptSchedule {
  fingerprint: string;
  fromDate: string;
  toDate: string;
  rules: Rules;
  users: Map<string, ScheduledUser>;
}

export interface ScheduleCache {
  kept: KeptSchedule | null;
}

export const emptyScheduleCache = (): ScheduleCache => ({ kept: null });

/** Every user the rules can put on duty: shift members (ring groups merged), the fallback group, exceptions' stand-ins. */
function namedUsers(rules: Rules): string[] {
  const ids = new Set<string>(rules.fallbackUserIds);
  for (const s of rules.shifts) for (const id of s.userIds) ids.add(id);
  for (const e of rules.exceptions) if (e.userIn) ids.add(e.userIn);
  return [...ids];
}

/**
 * The rules loaded for the local dates `fromDate` to `toDate` and the users they name: the
 * kept copy when its fingerprint still matches, or read (through `db`: the caller's transaction
 * when it has one) and kept. The fingerprint is read before the rows, so a change committed in
 * between leaves a copy newer than its fingerprint: compared next time, it is read again.
 * `readFingerprint` is the fingerprint of this window when the caller has just read it in a
 * statement of its own (the queue round's snapshot): then this asks the database nothing
 * unless the copy moved.
 */
export async function cachedSchedule(
  ctx: ServerContext,
  db: Queryable,
  fromDate: string,
  toDate: string,
  readFingerprint?: string,
): Promise<{ rules: Rules; users: Map<string, ScheduledUser> }> {
  const cache = ctx.caches.schedule;
  const kept = cache.kept;
  const fingerprint = readFingerprint ?? (await scheduleFingerprint(db, fromDate, toDate));
  if (kept && kept.fromDate === fromDate && kept.toDate === toDate && kept.fingerprint === fingerprint)
    return kept;
  const rules = await loadRules(db, fromDate, toDate);
  const users = await scheduledUsers(db, namedUsers(rules));
  cache.kept = { fingerprint, fromDate, toDate, rules, users };
  return cache.kept;
}
