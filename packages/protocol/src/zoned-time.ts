/**
 * Wall-clock arithmetic in an IANA time zone with nothing but Intl.DateTimeFormat: the
 * offset of a zone at an instant is read from the formatted parts, and a local date and time
 * is turned into an instant by trying the offsets in force around it. Pure, no I/O.
 *
 * The one time-zone module of the hotline: the server places shifts with it, and the web
 * client counts "today" and lays out the week with it, so both agree on every day, including
 * the days a zone changes its clocks. Imported as "@llamenos/protocol/zoned-time".
 *
 * Rules (see the shift docs in apps/server/src/shifts/on-shift.ts):
 * - a local time that does not exist (spring-forward gap) moves forward to the first minute
 *   that does, i.e. the instant of the transition (02:30 on 2026-03-08 in New York is 03:00 EDT);
 * - a local time that exists twice (fall-back overlap) means the earlier instant.
 */

const MINUTE = 60_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Answers of wallAsUtc already worked out, per zone and instant. Formatting the parts is most of
 * a shift lookup's cost, and the instants asked repeat: the current minute, and the same shift
 * boundaries on the same dates for every call that minute. The answer never changes (a zone's
 * rules are the runtime's), so the memo is only bounded, never invalidated.
 */
const wallMemo = new Map<string, number>();
const WALL_MEMO_MAX = 4096;

/** The wall clock at `instant` (ms) as if it were UTC: the same digits, read as a UTC timestamp. */
function wallAsUtc(instant: number, zone: string): number {
  const key = `${zone} ${instant}`;
  const known = wallMemo.get(key);
  if (known !== undefined) return known;
  const wall = formatWallAsUtc(instant, zone);
  if (wallMemo.size >= WALL_MEMO_MAX) wallMemo.clear();
  wallMemo.set(key, wall);
  return wall;
}

function formatWallAsUtc(instant: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const d = new Date(Date.UTC(2000, month - 1, day, hour % 24, minute, second));
  d.setUTCFullYear(year);
  return d.getTime();
}

/** Offset of `zone` from UTC at `instant`, in ms (New York in winter: -5 h). */
export function offsetAt(instant: number, zone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallAsUtc(whole, zone) - whole;
}

export interface WallTime {
  /** Local date "YYYY-MM-DD". */
  date: string;
  /** Minutes since local midnight, 0–1439. */
  minute: number;
}

export function wallTime(instant: number, zone: string): WallTime {
  const wall = wallAsUtc(Math.floor(instant / MINUTE) * MINUTE, zone);
  const iso = new Date(wall).toISOString();
  return { date: iso.slice(0, 10), minute: Math.floor((((wall % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE) };
}

/** Midnight of `date` as a UTC timestamp (the "wall as UTC" scale). */
export const dateToUtc = (date: string): number => Date.parse(`${date}T00:00:00Z`);

export const addDays = (date: string, days: number): string =>
  new Date(dateToUtc(date) + days * DAY_MS).toISOString().slice(0, 10);

/** 0 = Monday … 6 = Sunday. */
export const weekdayOf = (date: string): number => (new Date(dateToUtc(date)).getUTCDay() + 6) % 7;

export const parseLocalTime = (hhmm: string): number =>
  Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export const formatMinute = (minute: number): string =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * The instant (ms) at which the wall clock in `zone` reads `date` + `minute`, with the gap and
 * overlap rules above. Assumes at most one offset change within a day either side, which
 * holds for every zone in the tz database since 1970.
 */
export function localToInstant(date: string, minute: number, zone: string): number {
  const wall = dateToUtc(date) + minute * MINUTE;
  const before = offsetAt(wall - DAY_MS, zone);
  const after = offsetAt(wall + DAY_MS, zone);
  const candidates = [...new Set([before, offsetAt(wall, zone), after])]
    .map((offset) => wall - offset)
    .filter((t) => offsetAt(t, zone) === wall - t)
    .sort((a, b) => a - b);
  if (candidates[0] !== undefined) return candidates[0];
  // A gap: no instant shows this wall time. Between `low` (still the old offset, wall clock
  // before the gap) and `high` (new offset, after it) find the first minute past the gap.
  let low = Math.min(wall - before, wall - after);
  let high = Math.max(wall - before, wall - after);
  const pastGap = (t: number) => t + offsetAt(t, zone) > wall;
  while (high - low > MINUTE) {
    const mid = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
    if (pastGap(mid)) high = mid;
    else low = mid;
  }
  return high;
}

/** The local date ("YYYY-MM-DD") in `zone` at `instant`. */
export const dateIn = (zone: string, instant: number = Date.now()): string => wallTime(instant, zone).date;

/** The first instant of the local day that holds `instant` in `zone` (for "today's counts"). */
export const startOfDayIn = (zone: string, instant: number = Date.now()): number =>
  localToInstant(dateIn(zone, instant), 0, zone);
