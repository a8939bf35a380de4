import type { ServerContext } from '../http/context.js';
import type { LegStatus } from '../telephony/provider.js';
import {
  type CallRow,
  type LegRow,
  type LegRowStatus,
  recordLegStatuses,
  recordPlacedLegs,
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
 * first, or the status came late), and for a leg that ended, its call as read after the write.
 */
export interface LegStatusResult {
  leg: LegRow | null;
  call: Pick<CallRow, 'status' | 'answeredLegId' | 'endedAt'> | null;
}

/** The process's two group commits of leg writes, kept on the context (ctx.callQueue.legWrites). */
export interface LegWrites {
  placed: GroupCommit<PlacedLeg, { status: LegRowStatus | null; call: CallState | null }>;
  statuses: GroupCommit<LegStatusWrite, LegStatusResult>;
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
  return {
    // The provider accepted legs: ids stored (pending → queued, or closed when their call no
    // longer wants them) and their calls read in the same statement (ringing.ts placeLeg; store/legs.ts).
    placed: new GroupCommit(
      async (items) => {
        const written = await recordPlacedLegs(ctx.db, items, ctx.now());
        return items.map((item) => ({
          status: written.get(item.legId)?.status ?? null,
          call: written.get(item.legId)?.call ?? null,
        }));
      },
      (item) => item.legId,
      LINGER_MS,
    ),
    // Status callbacks: written under the same rules as one by one; the calls of legs that
    // ended are read after the write (a pick-up committed meanwhile must be seen: end.ts).
    statuses: new GroupCommit(
      async (items) => {
        const legs = await recordLegStatuses(ctx.db, items);
        const ended = items.filter((i) => i.final && legs.has(i.legId));
        const calls = ended.length
          ? await waitingStateOfCalls(ctx.db, [...new Set(ended.map((i) => i.callId))])
          : new Map<string, CallState>();
        return items.map((item) => {
          const leg = legs.get(item.legId) ?? null;
          return { leg, call: leg && item.final ? (calls.get(item.callId) ?? null) : null };
        });
      },
      (item) => item.legId,
      LINGER_MS,
    ),
  };
}

/** The context's leg writes, made on first use. */
export function legWrites(ctx: ServerContext): LegWrites {
  ctx.callQueue.legWrites ??= createLegWrites(ctx);
  return ctx.callQueue.legWrites;
}
