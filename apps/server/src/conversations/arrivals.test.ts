import { describe, expect, it } from 'vitest';
import { arrivals } from './arrivals.js';

/** The wait automatic replies make for a moment with no text arriving (arrivals.ts). */
describe('arrivals', () => {
  it('is quiet at once when no text is being taken in', async () => {
    const a = arrivals();
    const t0 = performance.now();
    await a.quiet(5_000);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('waits while texts are taken in, and goes when the last one is done', async () => {
    const a = arrivals();
    const first = a.begin();
    const second = a.begin();
    let quiet = false;
    const waiting = a.quiet(5_000).then(() => {
      quiet = true;
    });
    first();
    first(); // done twice counts once
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(quiet).toBe(false);
    expect(a.count).toBe(1);
    second();
    await waiting;
    expect(quiet).toBe(true);
    expect(a.count).toBe(0);
  });

  it('goes after its longest wait when texts never stop arriving', async () => {
    const a = arrivals();
    a.begin();
    const t0 = performance.now();
    await a.quiet(100);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
    expect(a.count).toBe(1);
    // A wait already used up goes at once.
    const t1 = performance.now();
    await a.quiet(-5);
    expect(performance.now() - t1).toBeLessThan(50);
  });
});
