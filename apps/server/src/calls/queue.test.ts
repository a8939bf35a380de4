import { describe, expect, it } from 'vitest';
import { allocate, type QueueState } from './queue.js';

/** The queue's rule on its own (queue.ts): who is offered which waiting call. */
const state = (
  calls: string[],
  volunteers: string[],
  ringing: Record<string, string> = {},
  refused: string[] = [],
): QueueState => ({
  waiting: calls.map((id) => ({ id })),
  volunteers,
  ringing: new Map(Object.entries(ringing)),
  mayOffer: (callId, userId) => !refused.includes(`${callId} ${userId}`),
});
const byCall = (offers: ReturnType<typeof allocate>) => {
  const out: Record<string, string[]> = {};
  for (const o of offers) out[o.callId] = [...(out[o.callId] ?? []), o.userId];
  return out;
};

describe('the call queue rule', () => {
  it('rings every volunteer of a small line for a single call (parallel ring)', () => {
    expect(byCall(allocate(state(['c1'], ['a', 'b', 'c'])))).toEqual({ c1: ['a', 'b', 'c'] });
  });

  it('keeps a share free for the next caller when many volunteers wait for one call', () => {
    const volunteers = Array.from({ length: 50 }, (_, i) => `v${i}`);
    expect(allocate(state(['c1'], volunteers))).toHaveLength(25);
    // The next caller gets the next share at once, from the free ones.
    const ringing = Object.fromEntries(volunteers.slice(0, 25).map((v) => [v, 'c1']));
    const next = allocate(state(['c1', 'c2'], volunteers, ringing));
    expect(new Set(next.map((o) => o.callId))).toEqual(new Set(['c2']));
    // 25 free: the third caller's share, ceil(50 / 3) = 17, stays free; the second call rings 8.
    expect(next).toHaveLength(8);
  });

  it('keeps someone free for each next caller of a burst while the line has more than 10 per call', () => {
    // Calls arrive one by one and nobody answers yet: a volunteer ringing stays with their call.
    const volunteers = Array.from({ length: 50 }, (_, i) => `v${i}`);
    const ringing: Record<string, string> = {};
    const calls: string[] = [];
    const rung: number[] = [];
    for (let i = 1; i <= 6; i++) {
      calls.push(`c${i}`);
      const offers = allocate(state(calls, volunteers, ringing));
      for (const o of offers) ringing[o.userId] = o.callId;
      rung.push(offers.filter((o) => o.callId === `c${i}`).length);
    }
    // Five callers rung at once (the rule without the reserve rang 25, 17 and 8, and left the
    // fourth silent); the fifth call spends the reserve (the last ten spread to the calls ringing
    // fewest), so the sixth waits for someone to be freed.
    expect(rung.slice(0, 4)).toEqual([25, 8, 4, 3]);
    expect(rung[4]).toBeGreaterThan(0);
    expect(rung[5]).toBe(0);
    expect(Object.keys(ringing)).toHaveLength(50);
  });

  it('with more calls than volunteers, the oldest calls ring one volunteer each and the rest wait', () => {
    const offers = allocate(state(['c1', 'c2', 'c3', 'c4'], ['a', 'b']));
    expect(byCall(offers)).toEqual({ c1: ['a'], c2: ['b'] });
  });

  it('spreads the rest evenly, the oldest call first on a tie', () => {
    expect(byCall(allocate(state(['c1', 'c2'], ['a', 'b', 'c', 'd', 'e'])))).toEqual({
      c1: ['a', 'c', 'e'],
      c2: ['b', 'd'],
    });
  });

  it('never offers a volunteer already ringing for a call, nor a call they refused', () => {
    const offers = allocate(state(['c1', 'c2'], ['a', 'b', 'c'], { a: 'c1' }, ['c2 b']));
    expect(offers.map((o) => o.userId)).not.toContain('a');
    expect(byCall(offers)).toEqual({ c2: ['c'], c1: ['b'] });
  });

  it('moves nobody mid-ring: a caller arriving when everyone rings elsewhere waits', () => {
    expect(allocate(state(['c1', 'c2', 'c3'], ['a', 'b', 'c'], { a: 'c1', b: 'c1', c: 'c2' }))).toEqual([]);
  });

  it('ignores volunteers ringing for calls that no longer wait', () => {
    // 'a' rings for an answered call (not waiting): neither free nor counted.
    expect(allocate(state(['c2'], ['a', 'b'], { a: 'c1' }))).toEqual([{ callId: 'c2', userId: 'b' }]);
  });
});
