import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServerContext } from '../http/context.js';
import { inBackground } from './wiring.js';

/**
 * Admission control for the call path (issue 12 §3): how loaded this process is, and what it
 * sheds, in a defined order, rather than letting every request slow down alike.
 *
 * The shedding order (docs/CALLS.md "Under overload"):
 * - normal: nothing is shed;
 * - busy: fewer parallel legs per call (ringing.ts caps how many volunteers ring for one call);
 * - overloaded: still fewer legs, and the per-call work a caller does not need to be connected
 *   (the call:ring notice for admins' boards and the Web Push it wakes) is deferred: kept in
 *   order in this process and done once the level drops, never dropped.
 * Never shed: the inbound webhook's answer (the queue + hold document), the queue rounds, the
 * provider requests that ring phones, the timers (queue time-out → voicemail), the audit entries.
 */

export type LoadLevel = 'normal' | 'busy' | 'overloaded';

/** One reading of the process's load. */
export interface LoadReading {
  /**
   * How late the event loop ran its callbacks lately (the mean over the last interval, in ms):
   * the mean, not a high percentile, so one long pause (a collection, a big query on PGlite,
   * which runs on this loop) does not shed work; a loop that stays late does.
   */
  eventLoopDelayMs: number;
  /** Call work accepted and not yet done: webhooks' background work in flight, plus deferred work. */
  waitingWork: number;
}

/** Where the level comes from; tests give one of their own (ContextOverrides.load). */
export interface LoadSignal {
  read(): LoadReading;
  /** Releases what the signal holds (the event-loop monitor). */
  stop(): void;
}

/*
 * Why these two signals. The event loop's delay is what every request on this process feels:
 * a webhook's answer, a timer's tick and a leg's provider request all wait behind it, and it
 * costs nothing to read (the runtime samples it). It alone reacts late to a burst, though: a
 * storm of webhooks first piles up as background work (queue rounds, provider requests, cancels,
 * notices) before the loop's delay shows it, and that pile is exactly what more legs would add
 * to. Its size is a Set's size, free to read. The database's own queue is not read: asking it
 * how loaded it is would be one more statement on the busiest path.
 */

/** At or above these the process is busy, or overloaded. */
export const BUSY_DELAY_MS = 50;
export const OVERLOADED_DELAY_MS = 250;
export const BUSY_WORK = 200;
export const OVERLOADED_WORK = 1_000;

/** The level is re-read at most this often: one histogram reading per interval, not per call. */
export const SAMPLE_MS = 500;

/** While work is deferred, the level is checked this often to do it once the level drops. */
const RECHECK_MS = 250;

/** How many volunteers may ring for one call at each level (ringing.ts); normal: the queue's own share. */
export const PARALLEL_RING_CAP: Record<LoadLevel, number> = {
  normal: Number.POSITIVE_INFINITY,
  busy: 3,
  overloaded: 1,
};

const RANK: Record<LoadLevel, number> = { normal: 0, busy: 1, overloaded: 2 };

export function levelOf(reading: LoadReading): LoadLevel {
  if (reading.eventLoopDelayMs >= OVERLOADED_DELAY_MS || reading.waitingWork >= OVERLOADED_WORK)
    return 'overloaded';
  if (reading.eventLoopDelayMs >= BUSY_DELAY_MS || reading.waitingWork >= BUSY_WORK) return 'busy';
  return 'normal';
}

/**
 * The process's own signal: the event loop's delay (perf_hooks, reset at each reading so it
 * speaks of the last interval) and `waitingWork()`.
 */
export function eventLoopLoad(waitingWork: () => number): LoadSignal {
  let histogram: IntervalHistogram | null = null;
  return {
    read() {
      if (!histogram) {
        histogram = monitorEventLoopDelay({ resolution: 10 });
        histogram.enable();
        return { eventLoopDelayMs: 0, waitingWork: waitingWork() };
      }
      const mean = histogram.count ? histogram.mean / 1e6 : 0;
      histogram.reset();
      return { eventLoopDelayMs: mean, waitingWork: waitingWork() };
    },
    stop() {
      histogram?.disable();
      histogram = null;
    },
  };
}

interface Deferred {
  what: string;
  work: () => Promise<unknown>;
}

/** Runs one deferred piece as background call work (so close() and tests wait for it); resolves when it is done, failed or not. */
function runTracked(ctx: ServerContext, piece: Deferred): Promise<void> {
  return new Promise<void>((resolve) =>
    inBackground(ctx, piece.what, () => Promise.resolve().then(piece.work).finally(resolve)),
  );
}

/**
 * This process's admission control, held by the context (ctx.admission). The level is read
 * from the signal at most once per SAMPLE_MS of `clock` (milliseconds).
 */
export class Admission {
  private current: LoadLevel = 'normal';
  /** The previous reading's level (null before the first). */
  private last: LoadLevel | null = null;
  private sampledAt = Number.NEGATIVE_INFINITY;
  private readonly deferred: Deferred[] = [];
  private draining: Promise<void> | null = null;
  /** Deferred pieces being done now: what is deferred meanwhile waits behind them. */
  private running = 0;
  private recheck: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly signal: LoadSignal,
    private readonly clock: () => number = () => performance.now(),
    private readonly recheckMs = RECHECK_MS,
    /** Told when the level changes (the context logs it: operators see when shedding starts and stops). */
    private readonly onChange: (from: LoadLevel, to: LoadLevel, reading: LoadReading) => void = () => {},
  ) {}

  level(): LoadLevel {
    const now = this.clock();
    if (now - this.sampledAt >= SAMPLE_MS) {
      this.sampledAt = now;
      const reading = this.signal.read();
      const read = levelOf({ ...reading, waitingWork: reading.waitingWork + this.waiting });
      // Up only when two readings in a row agree (a burst of one interval sheds nothing);
      // down at once (shedding stops as soon as the load allows).
      const next = this.last && RANK[this.last] < RANK[read] ? this.last : read;
      this.last = read;
      if (next !== this.current) {
        const from = this.current;
        this.current = next;
        this.onChange(from, next, reading);
      }
    }
    return this.current;
  }

  /** How many volunteers may ring for one call now (ringing.ts). */
  parallelRingCap(): number {
    return PARALLEL_RING_CAP[this.level()];
  }

  /** Deferred work not yet done. */
  get waiting(): number {
    return this.deferred.length + this.running;
  }

  /**
   * Work a caller does not need to be connected: done now (in the background) while the process
   * is not overloaded, otherwise kept and done in order once it no longer is. Work deferred
   * earlier goes first: what is deferred is never overtaken, so notices arrive in their order.
   */
  defer(ctx: ServerContext, what: string, work: () => Promise<unknown>): void {
    if (!this.deferred.length && !this.running && this.level() !== 'overloaded') {
      inBackground(ctx, what, work);
      return;
    }
    this.deferred.push({ what, work });
    this.scheduleRecheck(ctx);
  }

  /**
   * Does the deferred work, one piece after another, while the level allows; resolves when it
   * is all done or the level is overloaded again. Also run by the recheck timer.
   */
  drain(ctx: ServerContext): Promise<void> {
    if (!this.draining) {
      const run = (async () => {
        while (this.deferred.length && this.level() !== 'overloaded') {
          const next = this.deferred.shift()!;
          this.running += 1;
          try {
            await runTracked(ctx, next);
          } finally {
            this.running -= 1;
          }
        }
      })();
      this.draining = run;
      void run.finally(() => {
        if (this.draining === run) this.draining = null;
      });
    }
    return this.draining;
  }

  /** Does every deferred piece now, whatever the level (the process is closing). */
  async flush(ctx: ServerContext): Promise<void> {
    this.clearRecheck();
    await this.draining;
    while (this.deferred.length) await runTracked(ctx, this.deferred.shift()!);
  }

  stop(): void {
    this.clearRecheck();
    this.signal.stop();
  }

  private scheduleRecheck(ctx: ServerContext): void {
    if (this.recheck) return;
    this.recheck = setTimeout(() => {
      this.recheck = null;
      void this.drain(ctx).then(() => {
        if (this.deferred.length) this.scheduleRecheck(ctx);
      });
    }, this.recheckMs);
    this.recheck.unref?.();
  }

  private clearRecheck(): void {
    if (this.recheck) clearTimeout(this.recheck);
    this.recheck = null;
  }
}
