/**
 * The helpers the web client added to the shared time-zone module (the arithmetic itself is
 * tested with the shifts: apps/server/src/shifts/on-shift*.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { dateIn, offsetAt, startOfDayIn, wallTime } from '../src/zoned-time.js';

describe('dateIn / startOfDayIn', () => {
  it('give the local date and its midnight', () => {
    const t = Date.parse('2026-03-08T04:30:00Z'); // 23:30 on the 7th in New York (EST)
    expect(dateIn('America/New_York', t)).toBe('2026-03-07');
    expect(new Date(startOfDayIn('America/New_York', t)).toISOString()).toBe('2026-03-07T05:00:00.000Z');
    expect(dateIn('Asia/Tokyo', t)).toBe('2026-03-08');
    expect(new Date(startOfDayIn('Asia/Tokyo', t)).toISOString()).toBe('2026-03-07T15:00:00.000Z');
  });

  it('on a day that changed its clocks, midnight carries the offset before the change', () => {
    const t = Date.parse('2026-03-08T20:00:00Z'); // afternoon in New York, after spring-forward
    expect(new Date(startOfDayIn('America/New_York', t)).toISOString()).toBe('2026-03-08T05:00:00.000Z');
  });

  it('a day that starts with a gap starts at the first minute that exists', () => {
    // Santiago springs forward at midnight: 2026-09-06 begins at 01:00 (-03), i.e. 04:00Z.
    const t = Date.parse('2026-09-06T15:00:00Z');
    expect(dateIn('America/Santiago', t)).toBe('2026-09-06');
    expect(new Date(startOfDayIn('America/Santiago', t)).toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });
});

// wallAsUtc keeps its answers per zone and instant (a shift lookup asks the same ones again and
// again): a kept answer must be the one for that zone, also once the memo has been emptied.
describe('the kept wall-clock answers', () => {
  const HOUR = 3_600_000;
  const t = Date.parse('2026-07-01T12:00:00Z');

  it('are per zone: one instant asked in turn in two zones gives each its own', () => {
    for (let i = 0; i < 3; i++) {
      expect(offsetAt(t, 'America/New_York')).toBe(-4 * HOUR);
      expect(offsetAt(t, 'Asia/Kolkata')).toBe(5.5 * HOUR);
      expect(wallTime(t, 'America/New_York')).toEqual({ date: '2026-07-01', minute: 8 * 60 });
      expect(wallTime(t, 'Asia/Kolkata')).toEqual({ date: '2026-07-01', minute: 17 * 60 + 30 });
    }
  });

  it('stay right past the memo size, across a clock change', () => {
    const start = Date.parse('2026-11-01T00:00:00Z'); // New York falls back at 06:00 UTC
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 6000; i++) {
        const at = start + i * 60_000;
        expect(offsetAt(at, 'America/New_York')).toBe(
          at < Date.parse('2026-11-01T06:00:00Z') ? -4 * HOUR : -5 * HOUR,
        );
      }
  });
});
