import type { ReportGrantItem } from '@llamenos/protocol';
import { KeyWorkers, perUnlockedKey } from '../key-workers.js';
import type { GrantedReportWrap, OpenedItem, ReportsCall, ReportsReply, SealedItem } from './protocol.js';

/** The vault is locked: nothing encrypted can be opened until the PIN is entered. */
export class ReportsLockedError extends Error {
  override readonly name = 'ReportsLockedError';
  constructor() {
    super('unlock with your PIN to read reports');
  }
}

/**
 * The reports workers (lib/key-workers.ts), like the notes workers: a report always goes to the
 * same worker (by its id), so each opened report is cached once and searched there.
 */
class ReportsPool {
  private readonly workers: KeyWorkers<ReportsCall, ReportsReply>;

  constructor(
    secretKey: Uint8Array,
    readonly pubkey: string,
  ) {
    this.workers = new KeyWorkers(
      () => new Worker(new URL('./reports.worker.ts', import.meta.url), { type: 'module' }),
      secretKey,
      pubkey,
      () => new ReportsLockedError(),
    );
  }

  terminate(): void {
    this.workers.terminate();
  }

  /** Opens reports and replies in parallel; results come back in the order given. */
  open(items: SealedItem[]): Promise<OpenedItem[]> {
    return this.workers.byId(items, async (call, part) => {
      const reply = await call<{ ok: true; results: OpenedItem[] }>({ op: 'open', items: part });
      return reply.results;
    });
  }

  /** Ids of the opened reports matching every word of `query`, among `ids` if given. */
  async search(query: string, ids: string[] | null): Promise<Set<string>> {
    const replies = await this.workers.all<{ ok: true; ids: string[] }>({ op: 'search', query, ids });
    return new Set(replies.flatMap((r) => r.ids));
  }

  /** Wraps each record's key for `reader`, spread over the workers. */
  rewrap(reader: string, items: ReportGrantItem[]): Promise<{ wraps: GrantedReportWrap[]; failed: number }> {
    return this.workers.rewrap(items, (part) => ({ op: 'rewrap', reader, items: part }));
  }
}

export type { ReportsPool };

/** The reports workers for the unlocked key; ReportsLockedError while the vault is locked. */
export const reportsPool: () => ReportsPool = perUnlockedKey(
  (key, pubkey) => new ReportsPool(key, pubkey),
  () => new ReportsLockedError(),
);
