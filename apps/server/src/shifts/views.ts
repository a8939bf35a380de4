import type { MineView, OccurrenceView, OnShiftNowView, ScheduleView, WeekView } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { cachedSettings } from '../settings/cache.js';
import { loadSettings } from '../settings/store.js';
import { cachedSchedule } from './cache.js';
import {
  localLabels,
  type Occurrence,
  type OnShift,
  occurrencesBetween,
  occurrencesOn,
  ringList,
  whoIsOnShift,
} from './on-shift.js';
import { listExceptions, listRingGroups, listShifts, loadRules, type Rules } from './store.js';
import { addDays, DAY_MS, wallTime } from './zoned-time.js';

/**
 * Read-side of the ShiftManager: the pages' views and who the call router rings. Every answer
 * is computed by on-shift.ts from the stored schedule.
 */

export const hotlineTimeZone = async (db: Queryable): Promise<string> =>
  (await loadSettings(db)).settings.timeZone;

function toView(o: Occurrence, rules: Rules, timeZone: string): OccurrenceView {
  const shift = rules.shifts.find((s) => s.id === o.shiftId);
  const durationMinutes =
    shift?.durationMinutes ?? Math.round((o.end.getTime() - o.start.getTime()) / 60_000);
  return {
    shiftId: o.shiftId,
    name: shift?.name ?? '',
    date: o.date,
    start: o.start.toISOString(),
    end: o.end.toISOString(),
    durationMinutes,
    userIds: o.userIds,
    cancelled: o.cancelled,
    ...localLabels(o, timeZone),
  };
}

export async function getSchedule(ctx: ServerContext): Promise<ScheduleView> {
  return {
    timeZone: await hotlineTimeZone(ctx.db),
    shifts: await listShifts(ctx.db),
    ringGroups: await listRingGroups(ctx.db),
  };
}

/** The seven local days from `start`, each with its occurrences (cancelled ones flagged) and exceptions. */
export async function getWeek(ctx: ServerContext, start: string): Promise<WeekView> {
  const timeZone = await hotlineTimeZone(ctx.db);
  const dates = Array.from({ length: 7 }, (_, i) => addDays(start, i));
  const last = dates[6] ?? start;
  const rules = await loadRules(ctx.db, start, last);
  return {
    timeZone,
    start,
    dates,
    occurrences: occurrencesOn(dates, rules.shifts, rules.exceptions, timeZone).map((o) =>
      toView(o, rules, timeZone),
    ),
    exceptions: await listExceptions(ctx.db, start, last),
  };
}

/** The caller's occurrences that have not ended yet and start within `days` days. */
export async function getMine(ctx: ServerContext, userId: string, days: number): Promise<MineView> {
  const timeZone = await hotlineTimeZone(ctx.db);
  const now = ctx.now();
  const until = new Date(now.getTime() + days * DAY_MS);
  // Exceptions for any start day that can reach the window (see candidateDates in on-shift.ts).
  const rules = await loadRules(
    ctx.db,
    addDays(wallTime(now.getTime(), timeZone).date, -2),
    addDays(wallTime(until.getTime(), timeZone).date, 1),
  );
  const occurrences = occurrencesBetween(now, until, rules.shifts, rules.exceptions, timeZone).filter(
    (o) => !o.cancelled && o.userIds.includes(userId),
  );
  return { timeZone, occurrences: occurrences.map((o) => toView(o, rules, timeZone)) };
}

/** Rules loaded for the days whose occurrences can cover `at`. */
export async function rulesAround(db: Queryable, at: Date, timeZone: string): Promise<Rules> {
  const today = wallTime(at.getTime(), timeZone).date;
  return loadRules(db, addDays(today, -2), addDays(today, 1));
}

export async function getOnShiftNow(ctx: ServerContext, userId: string): Promise<OnShiftNowView> {
  const timeZone = await hotlineTimeZone(ctx.db);
  const at = ctx.now();
  const rules = await rulesAround(ctx.db, at, timeZone);
  const who = whoIsOnShift(at, rules.shifts, rules.exceptions, timeZone, rules.fallbackUserIds);
  return { at: at.toISOString(), timeZone, ...who, includesMe: who.userIds.includes(userId) };
}

/** How a volunteer the router may ring can be reached (their sealed phone, their call preference). */
export interface Reach {
  id: string;
  phoneEnc: string | null;
  callPreference: string;
}

/**
 * The local dates whose shift occurrences and exceptions can cover `instant`: the window the
 * call router's kept schedule holds (cache.ts).
 */
export function scheduleWindow(instant: Date, timeZone: string): { fromDate: string; toDate: string } {
  const today = wallTime(instant.getTime(), timeZone).date;
  return { fromDate: addDays(today, -2), toDate: addDays(today, 1) };
}

/**
 * The schedule's fingerprint for a window (store.ts scheduleFingerprintSql), as a caller read it
 * in one of its own statements (the queue round, calls/store/legs.ts queueSnapshot).
 */
export interface ReadSchedule {
  fromDate: string;
  toDate: string;
  fingerprint: string;
}

/**
 * Who the call router rings at `instant`: on-shift users (or the fallback group when no
 * on-shift user can take calls), never inactive users, users on break, or users already on a
 * call. The calls table belongs to the call router, which passes the ids of users on a call
 * as `busyUserIds`. The rules themselves are ringList() in on-shift.ts. `reach` says how to
 * ring each of them, in id order. `read`: the schedule's fingerprint the caller has just read
 * for the window scheduleWindow gives, so that the kept copy is checked without a statement.
 */
export async function eligibleVolunteers(
  ctx: ServerContext,
  instant: Date,
  busyUserIds: ReadonlySet<string> = new Set(),
  db: Queryable = ctx.db,
  read?: ReadSchedule,
): Promise<OnShift & { reach: Reach[] }> {
  // The kept copies (settings/cache.ts, cache.ts): every queue round asks, most often several a second.
  const { timeZone } = await cachedSettings(ctx, db);
  const { fromDate, toDate } = scheduleWindow(instant, timeZone);
  const known = read && read.fromDate === fromDate && read.toDate === toDate ? read.fingerprint : undefined;
  const { rules, users } = await cachedSchedule(ctx, db, fromDate, toDate, known);
  const scheduled = whoIsOnShift(instant, rules.shifts, rules.exceptions, timeZone);
  const available = new Set<string>();
  for (const id of [...scheduled.userIds, ...rules.fallbackUserIds])
    if (users.get(id)?.available) available.add(id);
  const who = ringList(scheduled, rules.fallbackUserIds, available, busyUserIds);
  const reach = [...who.userIds]
    .sort()
    .map((id) => users.get(id)!)
    .map((u) => ({ id: u.id, phoneEnc: u.phoneEnc, callPreference: u.callPreference }));
  return { ...who, reach };
}
