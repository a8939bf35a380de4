import { addDays, formatMinute, localToInstant, parseLocalTime, wallTime, weekdayOf } from './zoned-time.js';

/**
 * Who is on shift: the one place that decides it. Pure (no database, no clock): the caller
 * passes the instant, the schedule, the exceptions and the hotline's IANA time zone.
 *
 * Rules, exactly:
 * 1. A shift recurs every week on `weekday` (0 = Monday … 6 = Sunday) in the hotline zone.
 *    An occurrence belongs to the local date D it starts on (an overnight shift is the day
 *    it starts: Friday 22:00 + 600 min is Friday's, and covers Saturday 03:00).
 * 2. Its start is the instant the wall clock reads D + `start`. If that wall time does not
 *    exist (spring-forward gap) the start moves forward to the first minute that does (the
 *    transition itself: 02:30 → 03:00 in New York on 2026-03-08). If it exists twice
 *    (fall-back overlap) the earlier instant is used (01:30 EDT, not 01:30 EST).
 * 3. It lasts `durationMinutes` of real time from that start: a 22:00 + 600 min shift over a
 *    spring-forward night ends 09:00 local, over a fall-back night 07:00 local.
 * 4. An instant is covered by an occurrence when start <= instant < end.
 * 5. Exceptions apply per occurrence, matched by the occurrence's date D (its start day):
 *    cancel with shiftId null closes every occurrence starting on D (a holiday); cancel with a
 *    shiftId closes that one; swap removes userOut and adds userIn; extra adds userIn.
 *    Cancellations win over swaps and extras; all removals (swap userOut) happen before all
 *    additions (swap userIn, extra userIn), so the order exceptions were made in never matters.
 * 6. Inactive shifts have no occurrences.
 */

export interface ShiftRule {
  id: string;
  name?: string;
  weekday: number;
  /** "HH:MM" wall-clock start. */
  start: string;
  durationMinutes: number;
  active: boolean;
  /** Everyone the shift rings: assignments and its ring group's members, already merged. */
  userIds: readonly string[];
}

export interface ExceptionRule {
  date: string;
  shiftId: string | null;
  kind: 'cancel' | 'swap' | 'extra';
  userOut: string | null;
  userIn: string | null;
}

export interface Occurrence {
  shiftId: string;
  /** Local date it starts on (the day it belongs to). */
  date: string;
  /** Real start and end instants. */
  start: Date;
  end: Date;
  userIds: string[];
  cancelled: boolean;
}

export interface OnShift {
  userIds: string[];
  shiftIds: string[];
  source: 'shift' | 'fallback' | 'none';
}

/** Every occurrence starting on `dates` (local dates), cancelled ones included and flagged. */
export function occurrencesOn(
  dates: readonly string[],
  shifts: readonly ShiftRule[],
  exceptions: readonly ExceptionRule[],
  timeZone: string,
): Occurrence[] {
  const out: Occurrence[] = [];
  for (const date of dates) {
    const weekday = weekdayOf(date);
    const todays = exceptions.filter((e) => e.date === date);
    for (const shift of shifts) {
      if (!shift.active || shift.weekday !== weekday) continue;
      const start = localToInstant(date, parseLocalTime(shift.start), timeZone);
      const own = todays.filter((e) => e.shiftId === shift.id || e.shiftId === null);
      out.push({
        shiftId: shift.id,
        date,
        start: new Date(start),
        end: new Date(start + shift.durationMinutes * 60_000),
        userIds: applyChanges(shift.userIds, own),
        cancelled: own.some((e) => e.kind === 'cancel'),
      });
    }
  }
  return out.sort((a, b) => a.start.getTime() - b.start.getTime() || a.shiftId.localeCompare(b.shiftId));
}

function applyChanges(assigned: readonly string[], exceptions: readonly ExceptionRule[]): string[] {
  const users = new Set(assigned);
  // A swap or extra names one shift (the protocol refuses them without one). Removals first,
  // then additions, so the result does not depend on the order exceptions were stored in.
  const own = exceptions.filter((e) => e.shiftId !== null);
  for (const e of own) if (e.kind === 'swap' && e.userOut) users.delete(e.userOut);
  for (const e of own) if ((e.kind === 'swap' || e.kind === 'extra') && e.userIn) users.add(e.userIn);
  return [...users].sort();
}

/**
 * Local dates whose occurrences can reach the instants from `from` to `to`. A shift lasts at
 * most 24 h of real time, but a spring-forward night turns that into 25 wall-clock hours, so
 * it can reach two local days later (Saturday 23:30 + 1440 min ends Monday 00:30); and where a
 * zone falls back across midnight the next day's first hour happens before this day's last.
 */
function candidateDates(from: number, to: number, timeZone: string): string[] {
  const first = addDays(wallTime(from, timeZone).date, -2);
  const last = addDays(wallTime(to, timeZone).date, 1);
  const dates: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) dates.push(d);
  return dates;
}

/** Occurrences (not cancelled) with start <= instant < end. */
export function occurrencesCovering(
  instant: Date,
  shifts: readonly ShiftRule[],
  exceptions: readonly ExceptionRule[],
  timeZone: string,
): Occurrence[] {
  const t = instant.getTime();
  return occurrencesOn(candidateDates(t, t, timeZone), shifts, exceptions, timeZone).filter(
    (o) => !o.cancelled && o.start.getTime() <= t && t < o.end.getTime(),
  );
}

/** Occurrences overlapping [from, to), cancelled ones included and flagged. */
export function occurrencesBetween(
  from: Date,
  to: Date,
  shifts: readonly ShiftRule[],
  exceptions: readonly ExceptionRule[],
  timeZone: string,
): Occurrence[] {
  const dates = candidateDates(from.getTime(), to.getTime(), timeZone);
  return occurrencesOn(dates, shifts, exceptions, timeZone).filter(
    (o) => o.end.getTime() > from.getTime() && o.start.getTime() < to.getTime(),
  );
}

/**
 * Who the schedule puts on duty at `instant`: the union of the users of every covering
 * occurrence. When that is nobody (no occurrence, or all emptied by exceptions), the fallback
 * group's members, if it has any.
 */
export function whoIsOnShift(
  instant: Date,
  shifts: readonly ShiftRule[],
  exceptions: readonly ExceptionRule[],
  timeZone: string,
  fallbackUserIds: readonly string[] = [],
): OnShift {
  const covering = occurrencesCovering(instant, shifts, exceptions, timeZone);
  const userIds = [...new Set(covering.flatMap((o) => o.userIds))].sort();
  const shiftIds = [...new Set(covering.map((o) => o.shiftId))].sort();
  if (userIds.length) return { userIds, shiftIds, source: 'shift' };
  if (fallbackUserIds.length)
    return { userIds: [...new Set(fallbackUserIds)].sort(), shiftIds, source: 'fallback' };
  return { userIds: [], shiftIds, source: 'none' };
}

/**
 * Who to ring, from who is on shift. `available` holds the users who could take calls at
 * all (active and not on break); `busy` those already on a call.
 * - Unavailable users are never rung.
 * - When no on-shift user is available (nobody scheduled, or all of them on break or
 *   deactivated), the fallback group is used instead, so a call is not left to ring nobody.
 * - Busy users are removed last and do not trigger the fallback: a hotline whose shift is
 *   busy on calls queues the next caller for that shift rather than spilling over.
 */
export function ringList(
  scheduled: OnShift,
  fallbackUserIds: readonly string[],
  available: ReadonlySet<string>,
  busy: ReadonlySet<string>,
): OnShift {
  const free = (ids: readonly string[]) => ids.filter((id) => !busy.has(id));
  const onShift = scheduled.source === 'shift' ? scheduled.userIds.filter((id) => available.has(id)) : [];
  if (onShift.length) return { ...scheduled, userIds: free(onShift) };
  const fallback = [...new Set(fallbackUserIds)].filter((id) => available.has(id)).sort();
  if (fallback.length) return { userIds: free(fallback), shiftIds: scheduled.shiftIds, source: 'fallback' };
  return { userIds: [], shiftIds: scheduled.shiftIds, source: 'none' };
}

/** Wall-clock labels of an occurrence in the hotline zone, for lists and calendars. */
export function localLabels(o: Occurrence, timeZone: string) {
  const start = wallTime(o.start.getTime(), timeZone);
  const end = wallTime(o.end.getTime(), timeZone);
  return {
    localStart: formatMinute(start.minute),
    localEnd: formatMinute(end.minute),
    endDate: end.date,
    weekday: weekdayOf(o.date),
  };
}
