import type { ServerContext } from '../http/context.js';
import type { LegStatus } from '../telephony/provider.js';
import {
  type CallRow,
  type LegRow,
  type LegRowStatus,
  type PlacedLegWrite,
  recordLegWrites,
  waitingStateOfCalls,
} from './store.js';

/**
 * The writes every volunteer leg makes (its provider id once placed, then each status callback)
 * gathered into one statement for all the legs that wrote meanwhile, like a database's group
 * commit: a write arriving while none is in flight waits `lingerMs` for others to join it, and
 * those arriving during a flush go together in the next one. A round rings many phones at once,
 * and an answered call cancels many at once, so their callbacks come in bursts a few
 * milliseconds wide: one statement serves a burst instead of one per leg. Each caller still
 * waits for its own write, so a webhook is acknowledged only once what it said is stored.
 */
export class GroupCommit<Item, Result> {
  private readonly waiting: { item: Item; resolve(r: Result): void; reject(e: unknown): void }[] = [];
  private flushing = false;
  private lingering: ReturnType<typeof setTimeout> | null = null;

  constructor(
    /** Writes the items and returns one result per item, in order. */
    private readonly flush: (items: Item[]) => Promise<Result[]>,
    /** Two items with one key never share a flush (the second waits for the next). */
    private readonly keyOf: (item: Item) => string,
    /** How long a write with none in flight waits for others (0: it goes at once). */
    private readonly lingerMs = 0,
    private readonly maxBatch = 500,
  ) {}

  write(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.flushing || this.lingering) return;
      if (this.lingerMs <= 0) void this.drain();
      else
        this.lingering = setTimeout(() => {
          this.lingering = null;
          void this.drain();
        }, this.lingerMs);
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length) {
        const keys = new Set<string>();
        const batch: typeof this.waiting = [];
        for (let i = 0; i < this.waiting.length && batch.length < this.maxBatch; ) {
          const entry = this.waiting[i]!;
          const key = this.keyOf(entry.item);
          if (keys.has(key)) {
            i++;
            continue;
          }
          keys.add(key);
          batch.push(entry);
          this.waiting.splice(i, 1);
        }
        try {
          const results = await this.flush(batch.map((b) => b.item));
          for (const [i, b] of batch.entries()) b.resolve(results[i]!);
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** A leg the provider accepted: its id there, and the state it and its call are in now. */
export interface PlacedLeg {
  legId: string;
  providerLegId: string;
}

/** What the provider said about one leg, and when we heard it. */
export interface LegStatusWrite {
  callId: string;
  legId: string;
  status: LegStatus;
  providerLegId: string;
  final: boolean;
  at: Date;
}

/**
 * The leg after a status write (null when the write changed nothing: the leg was closed by us
 * first, or the status came late; null too for a "ringing" that rode its leg's placed write),
 * and for a leg that ended, its call as read after the write.
 */
export interface LegStatusResult {
  leg: LegRow | null;
  call: Pick<CallRow, 'status' | 'answeredLegId' | 'endedAt'> | null;
}

type PlacedResult = { status: LegRowStatus | null; call: CallState | null };

/** A leg's write: its provider id once placed (with its own "ringing" when that came first), or a status callback. */
type LegWrite = { placed: PlacedLegWrite } | { status: LegStatusWrite };

/**
 * The process's leg writes, kept on the context (ctx.callQueue.legWrites): placed legs and
 * status callbacks share one group commit, so a round's burst (the provider accepting some legs
 * while others already call back "ringing") is one statement, not one of each kind.
 */
export interface LegWrites {
  placed: { write(item: PlacedLeg): Promise<PlacedResult> };
  statuses: { write(item: LegStatusWrite): Promise<LegStatusResult> };
  /** Legs this process closed, whose later callbacks need no statement (ClosedLegs). */
  closed: ClosedLegs;
}

/**
 * The legs this process has closed in the database (cancelled or failed, committed): every one
 * of their later status callbacks (the "canceled" of each volunteer who lost an answer, the
 * "completed" of an ended call's legs, a late "ringing") would be a statement that changes
 * nothing, because a closed leg never opens again (recordLegStatuses skips closed legs). So the
 * callback is acknowledged without one: about a statement per call, the bursts that follow an
 * answer. Only what this process committed is kept (a leg closed by another process is written
 * as before), for as long as a provider still calls back about it, and at most `max` legs.
 */
export class ClosedLegs {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly keepMs = 10 * 60_000,
    private readonly max = 50_000,
  ) {}

  /** Legs whose close has been committed. */
  add(legIds: Iterable<string>): void {
    const now = this.now();
    for (const id of legIds) {
      this.until.delete(id);
      this.until.set(id, now + this.keepMs);
    }
    // Oldest first (insertion order): drop what expired, and beyond the bound.
    for (const [id, at] of this.until) {
      if (at > now && this.until.size <= this.max) break;
      this.until.delete(id);
    }
  }

  has(legId: string): boolean {
    const at = this.until.get(legId);
    return at !== undefined && at > this.now();
  }
}

type CallState = Pick<CallRow, 'status' | 'answeredLegId' | 'endedAt'>;

/**
 * How long a leg's write waits for the others of its burst: the legs of a round are answered
 * by the provider, and call back, within a few milliseconds of each other. Small beside a
 * webhook's budget (p99 < 50 ms at the realistic peak), and the first write of a quiet moment
 * pays it only once.
 */
const LINGER_MS = 8;

export function createLegWrites(ctx: ServerContext): LegWrites {
  /** Placed writes not yet sent, by leg id: the leg's own "ringing" may still ride along. */
  const unsent = new Map<string, { write: PlacedLegWrite; result: Promise<PlacedResult> }>();
  const writes = new GroupCommit<LegWrite, PlacedResult | LegStatusResult>(
    async (items) => {
      const placed = items.flatMap((i) => ('placed' in i ? [i.placed] : []));
      // Sent from here on: a callback arriving now waits for a statement of its own.
      for (const p of placed) if (unsent.get(p.legId)?.write === p) unsent.delete(p.legId);
      const statuses = items.flatMap((i) => ('status' in i ? [i.status] : []));
      // Placed legs: ids stored (pending → queued, or closed when their call no longer wants
      // them) and their calls read in the same statement (ringing.ts placeLeg). Status callbacks:
      // written under the same rules as one by one (store/legs.ts recordLegWrites).
      const written = await recordLegWrites(ctx.db, { placed, statuses }, ctx.now());
      // The calls of legs that ended are read after the write (a pick-up committed meanwhile
      // must be seen: end.ts).
      const ended = statuses.filter((i) => i.final && written.statuses.has(i.legId));
      const calls = ended.length
        ? await waitingStateOfCalls(ctx.db, [...new Set(ended.map((i) => i.callId))])
        : new Map<string, CallState>();
      return items.map((item): PlacedResult | LegStatusResult => {
        if ('placed' in item) {
          const leg = written.placed.get(item.placed.legId);
          return { status: leg?.status ?? null, call: leg?.call ?? null };
        }
        const leg = written.statuses.get(item.status.legId) ?? null;
        return { leg, call: leg && item.status.final ? (calls.get(item.status.callId) ?? null) : null };
      });
    },
    // A leg's placing and its own callback never share a statement (it updates a row once).
    (item) => ('placed' in item ? item.placed.legId : item.status.legId),
    LINGER_MS,
  );
  return {
    closed: new ClosedLegs(() => ctx.now().getTime()),
    placed: {
      write: (leg) => {
        const write: PlacedLegWrite = { ...leg };
        const result = writes.write({ placed: write }) as Promise<PlacedResult>;
        unsent.set(leg.legId, { write, result });
        return result;
      },
    },
    statuses: {
      write: (status) => {
        // A leg rings as soon as the provider has it, so its "ringing" often arrives while its
        // placed write still waits for the burst (LINGER_MS): it rides that write instead of
        // waiting for a statement of its own (a statement updates a row once). Only "ringing",
        // which nothing waits on (end.ts acts on final statuses), and only from the provider leg
        // the write binds.
        const queued = unsent.get(status.legId);
        if (
          queued &&
          status.status === 'ringing' &&
          !status.final &&
          queued.write.providerLegId === status.providerLegId
        ) {
          queued.write.ringing = true;
          return queued.result.then(() => ({ leg: null, call: null }));
        }
        return writes.write({ status }) as Promise<LegStatusResult>;
      },
    },
  };
}

/** The context's leg writes, made on first use. */
export function legWrites(ctx: ServerContext): LegWrites {
  ctx.callQueue.legWrites ??= createLegWrites(ctx);
  return ctx.callQueue.legWrites;
}
