import { describe, expect, it } from 'vitest';
import {
  type ExceptionRule,
  occurrencesCovering,
  occurrencesOn,
  ringList,
  type ShiftRule,
  whoIsOnShift,
} from './on-shift.js';

// Weekdays: 0 = Monday … 6 = Sunday.
const MON = 0;
const FRI = 4;
const SAT = 5;
const SUN = 6;

let nextId = 0;
const shift = (
  weekday: number,
  start: string,
  durationMinutes: number,
  userIds: string[] = ['u1'],
): ShiftRule => ({
  id: `s${++nextId}`,
  weekday,
  start,
  durationMinutes,
  active: true,
  userIds,
});

const at = (iso: string) => new Date(iso);
const covered = (instant: string, shifts: ShiftRule[], zone: string, exceptions: ExceptionRule[] = []) =>
  occurrencesCovering(at(instant), shifts, exceptions, zone).map((o) => o.shiftId);

/** Start and end of the one occurrence of `s` on `date`. */
function bounds(s: ShiftRule, date: string, zone: string) {
  const [o] = occurrencesOn([date], [s], [], zone);
  return { start: o?.start.toISOString(), end: o?.end.toISOString() };
}

describe('America/New_York, spring forward on 2026-03-08 (02:00 EST → 03:00 EDT)', () => {
  const zone = 'America/New_York';

  it('moves a 02:30 start, which does not exist that night, to 03:00 EDT and keeps its real length', () => {
    const s = shift(SUN, '02:30', 60);
    expect(bounds(s, '2026-03-08', zone)).toEqual({
      start: '2026-03-08T07:00:00.000Z',
      end: '2026-03-08T08:00:00.000Z',
    });
    expect(covered('2026-03-08T06:59:00Z', [s], zone)).toEqual([]);
    expect(covered('2026-03-08T07:00:00Z', [s], zone)).toEqual([s.id]);
    expect(covered('2026-03-08T07:59:59Z', [s], zone)).toEqual([s.id]);
    expect(covered('2026-03-08T08:00:00Z', [s], zone)).toEqual([]);
    // The week after, 02:30 exists again and is EDT.
    expect(bounds(s, '2026-03-15', zone).start).toBe('2026-03-15T06:30:00.000Z');
  });

  it('lets a Saturday 23:30 + 1440 min shift reach Monday 00:15 (25 wall-clock hours)', () => {
    const s = shift(SAT, '23:30', 1440);
    const [o] = occurrencesCovering(at('2026-03-09T04:15:00Z'), [s], [], zone);
    expect(o?.date).toBe('2026-03-07');
    expect(o?.end.toISOString()).toBe('2026-03-09T04:30:00.000Z');
  });

  it('starts 01:30 in EST and ends 60 real minutes later, at 03:30 EDT', () => {
    const s = shift(SUN, '01:30', 60);
    expect(bounds(s, '2026-03-08', zone)).toEqual({
      start: '2026-03-08T06:30:00.000Z',
      end: '2026-03-08T07:30:00.000Z',
    });
  });

  it('ends an overnight 22:00 + 600 min shift at 09:00 EDT, and it belongs to Saturday', () => {
    const s = shift(SAT, '22:00', 600);
    const [o] = occurrencesCovering(at('2026-03-08T12:59:00Z'), [s], [], zone);
    expect(o?.date).toBe('2026-03-07');
    expect(o?.start.toISOString()).toBe('2026-03-08T03:00:00.000Z');
    expect(o?.end.toISOString()).toBe('2026-03-08T13:00:00.000Z');
    expect(covered('2026-03-08T13:00:00Z', [s], zone)).toEqual([]);
  });
});

describe('America/New_York, fall back on 2026-11-01 (02:00 EDT → 01:00 EST)', () => {
  const zone = 'America/New_York';

  it('starts an ambiguous 01:30 at the earlier instant (EDT) and ends at the second 01:30 (EST)', () => {
    const s = shift(SUN, '01:30', 60);
    expect(bounds(s, '2026-11-01', zone)).toEqual({
      start: '2026-11-01T05:30:00.000Z',
      end: '2026-11-01T06:30:00.000Z',
    });
    expect(covered('2026-11-01T06:29:00Z', [s], zone)).toEqual([s.id]);
    expect(covered('2026-11-01T06:30:00Z', [s], zone)).toEqual([]);
  });

  it('starts 02:30 once, in EST', () => {
    expect(bounds(shift(SUN, '02:30', 60), '2026-11-01', zone).start).toBe('2026-11-01T07:30:00.000Z');
  });

  it('ends an overnight 22:00 + 600 min shift at 07:00 EST', () => {
    const s = shift(SAT, '22:00', 600);
    expect(bounds(s, '2026-10-31', zone)).toEqual({
      start: '2026-11-01T02:00:00.000Z',
      end: '2026-11-01T12:00:00.000Z',
    });
    expect(covered('2026-11-01T11:59:00Z', [s], zone)).toEqual([s.id]);
    expect(covered('2026-11-01T12:00:00Z', [s], zone)).toEqual([]);
  });

  it('lets a Friday-night shift cover Saturday 03:00, as Friday’s occurrence', () => {
    const s = shift(FRI, '22:00', 600);
    const [o] = occurrencesCovering(at('2026-03-07T08:00:00Z'), [s], [], zone); // Sat 03:00 EST
    expect(o?.date).toBe('2026-03-06');
    // A Saturday 22:00 shift does not cover Saturday 03:00: it has not started.
    expect(covered('2026-03-07T08:00:00Z', [shift(SAT, '22:00', 600)], zone)).toEqual([]);
  });
});

describe('other zones', () => {
  it('Europe/London: gap 01:30 → 02:00 BST in March, earlier 01:30 (BST) in October', () => {
    const s = shift(SUN, '01:30', 30);
    expect(bounds(s, '2026-03-29', 'Europe/London').start).toBe('2026-03-29T01:00:00.000Z');
    expect(bounds(s, '2026-10-25', 'Europe/London').start).toBe('2026-10-25T00:30:00.000Z');
    expect(bounds(s, '2026-07-05', 'Europe/London').start).toBe('2026-07-05T00:30:00.000Z');
  });

  it('Australia/Lord_Howe: a 30-minute DST shift, gap and overlap', () => {
    // DST starts 2026-10-04 02:00 (+10:30) → 02:30 (+11): 02:15 moves to 02:30.
    expect(bounds(shift(SUN, '02:15', 60), '2026-10-04', 'Australia/Lord_Howe').start).toBe(
      '2026-10-03T15:30:00.000Z',
    );
    // DST ends 2026-04-05 02:00 (+11) → 01:30 (+10:30): 01:45 happens twice, the first counts.
    const s = shift(SUN, '01:45', 30);
    expect(bounds(s, '2026-04-05', 'Australia/Lord_Howe')).toEqual({
      start: '2026-04-04T14:45:00.000Z',
      end: '2026-04-04T15:15:00.000Z',
    });
  });

  it('Asia/Kolkata (+05:30, no DST)', () => {
    const s = shift(MON, '09:00', 480);
    expect(bounds(s, '2026-01-05', 'Asia/Kolkata')).toEqual({
      start: '2026-01-05T03:30:00.000Z',
      end: '2026-01-05T11:30:00.000Z',
    });
    expect(covered('2026-01-05T03:29:00Z', [s], 'Asia/Kolkata')).toEqual([]);
  });

  it('Pacific/Kiritimati (+14): a Monday shift runs on Sunday in UTC', () => {
    const s = shift(MON, '00:00', 120);
    expect(covered('2026-01-04T10:00:00Z', [s], 'Pacific/Kiritimati')).toEqual([s.id]);
    expect(covered('2026-01-04T12:00:00Z', [s], 'Pacific/Kiritimati')).toEqual([]);
  });

  it('UTC: a 24-hour shift covers exactly one day, and a shift ends where the next begins', () => {
    const day = shift(MON, '00:00', 1440);
    expect(covered('2026-01-05T00:00:00Z', [day], 'UTC')).toEqual([day.id]);
    expect(covered('2026-01-05T23:59:59Z', [day], 'UTC')).toEqual([day.id]);
    expect(covered('2026-01-06T00:00:00Z', [day], 'UTC')).toEqual([]);
    const a = shift(MON, '08:00', 240);
    const b = shift(MON, '12:00', 240);
    expect(covered('2026-01-05T12:00:00Z', [a, b], 'UTC')).toEqual([b.id]);
  });

  it('lets shifts overlap: both are on', () => {
    const a = shift(MON, '08:00', 240, ['u1']);
    const b = shift(MON, '10:00', 240, ['u2']);
    expect(whoIsOnShift(at('2026-01-05T11:00:00Z'), [a, b], [], 'UTC')).toEqual({
      userIds: ['u1', 'u2'],
      shiftIds: [a.id, b.id].sort(),
      source: 'shift',
    });
  });

  it('ignores inactive shifts', () => {
    const s = { ...shift(MON, '08:00', 240), active: false };
    expect(covered('2026-01-05T09:00:00Z', [s], 'UTC')).toEqual([]);
  });
});

describe('exceptions (matched by the day an occurrence starts)', () => {
  const zone = 'America/New_York';
  const night = shift(FRI, '22:00', 600, ['ana', 'ben']);
  const sat3am = '2026-03-07T08:00:00Z';
  const ex = (e: Partial<ExceptionRule>): ExceptionRule => ({
    date: '2026-03-06',
    shiftId: night.id,
    kind: 'cancel',
    userOut: null,
    userIn: null,
    ...e,
  });

  it('cancel removes that occurrence, even past midnight, and only that date', () => {
    expect(covered(sat3am, [night], zone, [ex({})])).toEqual([]);
    expect(covered(sat3am, [night], zone, [ex({ date: '2026-03-07' })])).toEqual([night.id]);
    expect(covered('2026-03-14T08:00:00Z', [night], zone, [ex({})])).toEqual([night.id]);
  });

  it('a holiday (cancel with no shift) closes every shift starting that day', () => {
    const other = shift(FRI, '09:00', 60, ['cy']);
    const holiday = ex({ shiftId: null });
    expect(covered(sat3am, [night, other], zone, [holiday])).toEqual([]);
    expect(covered('2026-03-06T14:30:00Z', [night, other], zone, [holiday])).toEqual([]);
    const week = occurrencesOn(['2026-03-06'], [night, other], [holiday], zone);
    expect(week.map((o) => o.cancelled)).toEqual([true, true]);
  });

  it('swap replaces one user for that occurrence; extra adds one', () => {
    const swap = ex({ kind: 'swap', userOut: 'ana', userIn: 'dee' });
    expect(whoIsOnShift(at(sat3am), [night], [swap], zone).userIds).toEqual(['ben', 'dee']);
    const extra = ex({ kind: 'extra', userIn: 'eve' });
    expect(whoIsOnShift(at(sat3am), [night], [swap, extra], zone).userIds).toEqual(['ben', 'dee', 'eve']);
    // Order never matters: removals happen before additions.
    const back = ex({ kind: 'extra', userIn: 'ana' });
    expect(whoIsOnShift(at(sat3am), [night], [back, swap], zone).userIds).toEqual(['ana', 'ben', 'dee']);
    expect(whoIsOnShift(at(sat3am), [night], [swap, back], zone).userIds).toEqual(['ana', 'ben', 'dee']);
    // Next week is untouched.
    expect(whoIsOnShift(at('2026-03-14T08:00:00Z'), [night], [swap], zone).userIds).toEqual(['ana', 'ben']);
  });

  it('a cancellation wins over a swap on the same occurrence', () => {
    const swap = ex({ kind: 'swap', userOut: 'ana', userIn: 'dee' });
    expect(whoIsOnShift(at(sat3am), [night], [swap, ex({})], zone).source).toBe('none');
  });
});

describe('fallback and ringing', () => {
  const zone = 'UTC';
  const day = shift(MON, '09:00', 480, ['ana', 'ben']);

  it('uses the fallback group when nobody is on shift, and says so', () => {
    expect(whoIsOnShift(at('2026-01-05T20:00:00Z'), [day], [], zone, ['fay', 'gus'])).toEqual({
      userIds: ['fay', 'gus'],
      shiftIds: [],
      source: 'fallback',
    });
    expect(whoIsOnShift(at('2026-01-05T20:00:00Z'), [day], [], zone, [])).toEqual({
      userIds: [],
      shiftIds: [],
      source: 'none',
    });
    // A shift emptied by a swap-out is nobody on shift.
    const emptied = { ...day, userIds: ['ana'] };
    const out: ExceptionRule = {
      date: '2026-01-05',
      shiftId: emptied.id,
      kind: 'swap',
      userOut: 'ana',
      userIn: 'fay',
    };
    expect(whoIsOnShift(at('2026-01-05T10:00:00Z'), [emptied], [out], zone, ['gus']).userIds).toEqual([
      'fay',
    ]);
  });

  it('never rings inactive, on-break or busy users', () => {
    const scheduled = whoIsOnShift(at('2026-01-05T10:00:00Z'), [day], [], zone);
    const available = new Set(['ben', 'fay']); // ana is on break or deactivated
    expect(ringList(scheduled, ['fay'], available, new Set())).toMatchObject({
      userIds: ['ben'],
      source: 'shift',
    });
    // Ben busy on a call: nobody free on the shift, but the caller waits for the shift.
    expect(ringList(scheduled, ['fay'], available, new Set(['ben']))).toMatchObject({
      userIds: [],
      source: 'shift',
    });
  });

  it('falls back when every on-shift user is on break or inactive', () => {
    const scheduled = whoIsOnShift(at('2026-01-05T10:00:00Z'), [day], [], zone);
    expect(ringList(scheduled, ['fay', 'gus'], new Set(['fay']), new Set())).toEqual({
      userIds: ['fay'],
      shiftIds: [day.id],
      source: 'fallback',
    });
    expect(ringList(scheduled, ['gus'], new Set(), new Set())).toMatchObject({ userIds: [], source: 'none' });
  });
});
