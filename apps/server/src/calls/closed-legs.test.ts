/**
 * The legs this process closed (leg-writes.ts ClosedLegs), whose later callbacks are answered
 * without a statement: known only while a provider may still call back about them, and never
 * more than the bound, oldest forgotten first (a forgotten leg is written as before: harmless).
 */
import { describe, expect, it } from 'vitest';
import { ClosedLegs } from './leg-writes.js';

describe('closed legs kept in memory', () => {
  it('are known until their time runs out', () => {
    let now = 1_000;
    const closed = new ClosedLegs(() => now, 60_000, 100);
    closed.add(['a', 'b']);
    expect(closed.has('a')).toBe(true);
    expect(closed.has('c')).toBe(false);
    now += 59_999;
    expect(closed.has('b')).toBe(true);
    now += 1;
    expect(closed.has('a')).toBe(false);
    expect(closed.has('b')).toBe(false);
  });

  it('closed again, a leg is kept from the new close', () => {
    let now = 0;
    const closed = new ClosedLegs(() => now, 60_000, 100);
    closed.add(['a']);
    now = 50_000;
    closed.add(['a']);
    now = 100_000;
    expect(closed.has('a')).toBe(true);
  });

  it('never holds more than the bound: the oldest go first, expired ones are dropped on the next add', () => {
    let now = 0;
    const closed = new ClosedLegs(() => now, 60_000, 3);
    closed.add(['a', 'b']);
    now = 10;
    closed.add(['c', 'd', 'e']);
    expect(['a', 'b', 'c', 'd', 'e'].map((id) => closed.has(id))).toEqual([false, false, true, true, true]);
    now = 70_000;
    closed.add(['f']);
    expect(['c', 'd', 'e', 'f'].map((id) => closed.has(id))).toEqual([false, false, false, true]);
    // The bound holds the newest three.
    closed.add(['g', 'h']);
    expect(['f', 'g', 'h'].map((id) => closed.has(id))).toEqual([true, true, true]);
  });
});
