import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExceptionRule, occurrencesCovering, type ShiftRule } from './on-shift.js';
import { localToInstant } from './zoned-time.js';

/**
 * An independent oracle: offsets are read from Intl's "longOffset" zone name (not from the
 * formatted parts the implementation uses), and the start of an occurrence is found by
 * scanning minute by minute for the earliest instant whose wall clock reads at least the
 * wanted time. That is the documented rule stated another way: an existing time is itself,
 * a time in a gap becomes the first minute after the gap, a repeated time its first instance.
 */
const MINUTE = 60_000;
const DAY = 86_400_000;

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
function oracleOffset(t: number, zone: string): number {
  let f = offsetFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormatters.set(zone, f);
  }
  const name = f.formatToParts(new Date(t)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!m) throw new Error(`unexpected offset ${name}`);
  if (!m[1]) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * MINUTE;
}

function oracleStart(date: string, minute: number, zone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + minute * MINUTE;
  const offsets = [oracleOffset(wall - 2 * DAY, zone), oracleOffset(wall + 2 * DAY, zone)];
  const from = wall - Math.max(...offsets) - 120 * MINUTE;
  const to = wall - Math.min(...offsets) + 120 * MINUTE;
  for (let t = from; t <= to; t += MINUTE) if (t + oracleOffset(t, zone) >= wall) return t;
  throw new Error('oracle found no start');
}

/** "shiftId@date" of every occurrence covering `t`, scanning a week of UTC dates around it. */
function oracleCovering(t: number, shifts: ShiftRule[], cancels: ExceptionRule[], zone: string): string[] {
  const out: string[] = [];
  const today = Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), new Date(t).getUTCDate());
  for (let d = today - 3 * DAY; d <= today + 3 * DAY; d += DAY) {
    const date = new Date(d).toISOString().slice(0, 10);
    const weekday = (new Date(d).getUTCDay() + 6) % 7;
    for (const s of shifts) {
      if (s.weekday !== weekday) continue;
      if (cancels.some((c) => c.date === date && (c.shiftId === null || c.shiftId === s.id))) continue;
      const start = oracleStart(date, Number(s.start.slice(0, 2)) * 60 + Number(s.start.slice(3)), zone);
      if (start <= t && t < start + s.durationMinutes * MINUTE) out.push(`${s.id}@${date}`);
    }
  }
  return out.sort();
}

const ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Pacific/Kiritimati',
  'Pacific/Chatham',
  'America/Santiago',
  'America/Sao_Paulo',
  'UTC',
];

// DST changes in 2026 for the zones above, so many samples land on the hard days.
const TRANSITIONS = [
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T15:30:00Z',
  '2026-04-05T03:00:00Z',
  '2026-09-06T04:00:00Z',
  '2026-04-04T14:00:00Z',
  '2026-09-26T14:00:00Z',
].map(Date.parse);

const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

const shiftArb = fc.record({
  weekday: fc.integer({ min: 0, max: 6 }),
  start: fc.oneof(
    hhmm,
    fc.constantFrom('00:00', '00:30', '01:30', '01:45', '02:00', '02:15', '02:30', '23:30'),
  ),
  durationMinutes: fc.oneof(fc.integer({ min: 15, max: 1440 }), fc.constantFrom(15, 60, 600, 1440)),
});

const instantArb = fc.oneof(
  fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -6 * 60, max: 6 * 60 }))
    .map(([t, minutes]) => t + minutes * MINUTE),
  fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -48 * 60, max: 48 * 60 }))
    .map(([t, minutes]) => t + minutes * MINUTE),
  fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
);

describe('on-shift rules against an independent oracle', () => {
  it('an instant is covered iff it lies in [start, start + duration) of some occurrence', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(shiftArb, { minLength: 1, maxLength: 4 }),
        instantArb,
        fc.array(fc.tuple(fc.integer({ min: -2, max: 1 }), fc.option(fc.integer({ min: 0, max: 3 }))), {
          maxLength: 2,
        }),
        (zone, specs, instant, cancelSpecs) => {
          const shifts: ShiftRule[] = specs.map((s, i) => ({
            ...s,
            id: `s${i}`,
            active: true,
            userIds: ['u'],
          }));
          const base = new Date(instant).toISOString().slice(0, 10);
          const cancels: ExceptionRule[] = cancelSpecs.map(([days, which]) => ({
            date: new Date(Date.parse(base) + days * DAY).toISOString().slice(0, 10),
            shiftId: which === null || which >= shifts.length ? null : `s${which}`,
            kind: 'cancel',
            userOut: null,
            userIn: null,
          }));
          const got = occurrencesCovering(new Date(instant), shifts, cancels, zone)
            .map((o) => `${o.shiftId}@${o.date}`)
            .sort();
          expect(got).toEqual(oracleCovering(instant, shifts, cancels, zone));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('local start instants agree with the oracle, including gaps and overlaps', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom(...TRANSITIONS),
        fc.integer({ min: -1, max: 1 }),
        // Most zones change between 00:00 and 04:00 local: sample those minutes often.
        fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 240 })),
        (zone, transition, days, minute) => {
          const date = new Date(transition + days * DAY).toISOString().slice(0, 10);
          expect(new Date(localToInstant(date, minute, zone)).toISOString()).toBe(
            new Date(oracleStart(date, minute, zone)).toISOString(),
          );
        },
      ),
      { numRuns: 600 },
    );
  });
});
