/**
 * The helpers the web client added to the shared time-zone module (the arithmetic itself is
 * tested with the shifts: apps/server/src/shifts/on-shift*.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { dateIn, startOfDayIn } from '../src/zoned-time.js';

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
