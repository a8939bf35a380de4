/**
 * A small timing harness. Each figure is the median of many samples; a sample times a batch
 * of calls long enough (≥ `sampleMs`) that timer resolution does not matter. A wrapper and
 * its raw baseline are sampled in alternating rounds (A B, then B A) so that load from other
 * processes on the machine falls on both alike and cancels out of the ratio.
 */

export interface Timing {
  /** Median milliseconds per call. */
  medianMs: number;
  /** Interquartile range relative to the median (0.05 = 5%). */
  spread: number;
  samples: number;
}

export const opsPerSecond = (t: Timing): number => 1000 / t.medianMs;

/** Sink for results so that no call can be optimised away. */
let sink = 0;
export function consume(value: unknown): void {
  if (value instanceof Uint8Array) sink ^= value[0] ?? 0;
  else if (typeof value === 'string') sink ^= value.length;
  else if (value && typeof value === 'object') sink ^= 1;
}
export const sinkValue = (): number => sink;

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(perCallMs: number[]): Timing {
  const sorted = [...perCallMs].sort((x, y) => x - y);
  const median = quantile(sorted, 0.5);
  return {
    medianMs: median,
    spread: (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / median,
    samples: sorted.length,
  };
}

function timeBatch(fn: () => unknown, calls: number): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) consume(fn());
  return (performance.now() - start) / calls;
}

export interface CompareOptions {
  /** Warm-up time per function, ms. */
  warmupMs?: number;
  /** Total measuring time for both functions together, ms. */
  budgetMs?: number;
  /** Target duration of one sample, ms. */
  sampleMs?: number;
  /** Fewest samples per function, even if that overruns the budget. */
  minSamples?: number;
}

/** Times synchronous functions side by side, interleaved. Returns one Timing per function. */
export function compareSync(fns: Array<() => unknown>, options: CompareOptions = {}): Timing[] {
  const { warmupMs = 400, budgetMs = 6000, sampleMs = 5, minSamples = 15 } = options;
  // Warm-up: let the JIT settle and lazy tables (e.g. base-point precomputes) be built.
  for (const fn of fns) {
    const end = performance.now() + warmupMs;
    while (performance.now() < end) consume(fn());
  }
  const batch = fns.map((fn) => {
    const estimate = timeBatch(fn, 3);
    return Math.max(1, Math.ceil(sampleMs / Math.max(estimate, 1e-6)));
  });
  const samples: number[][] = fns.map(() => []);
  const end = performance.now() + budgetMs;
  let round = 0;
  while (performance.now() < end || samples[0]!.length < minSamples) {
    const order = fns.map((_, i) => i);
    if (round++ % 2 === 1) order.reverse();
    for (const i of order) samples[i]!.push(timeBatch(fns[i]!, batch[i]!));
  }
  return samples.map(summarize);
}

/** Times async functions (each call long, e.g. a PBKDF2 of 600,000 iterations), interleaved. */
export async function compareAsync(
  fns: Array<() => Promise<unknown>>,
  options: { warmupCalls?: number; calls: number[] },
): Promise<Timing[]> {
  const { warmupCalls = 1, calls } = options;
  for (const fn of fns) for (let i = 0; i < warmupCalls; i++) consume(await fn());
  const samples: number[][] = fns.map(() => []);
  const rounds = Math.max(...calls);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < fns.length; i++) {
      if (samples[i]!.length >= calls[i]!) continue;
      const start = performance.now();
      consume(await fns[i]!());
      samples[i]!.push(performance.now() - start);
    }
  }
  return samples.map(summarize);
}
