import type { CustomFieldDefinition, GrantWorkItem } from '@llamenos/protocol';
import { KeyWorkers, perUnlockedKey } from '../key-workers.js';
import type { GrantedWrap, NotesCall, NotesReply, OpenResult, SealedVersion } from './protocol.js';

/** The vault is locked: nothing encrypted can be opened until the PIN is entered. */
export class NotesLockedError extends Error {
  override readonly name = 'NotesLockedError';
  constructor() {
    super('unlock with your PIN to read notes');
  }
}

/**
 * The notes workers (lib/key-workers.ts). Opening a note is one ECDH (a few milliseconds), so
 * 5,000 notes are spread across cores. A note always goes to the same worker (by its id), so each
 * decrypted note is cached once; the caches end with the unlocked session.
 */
class NotesPool {
  private readonly workers: KeyWorkers<NotesCall, NotesReply>;
  private fieldsSignature: string | null = null;

  constructor(
    secretKey: Uint8Array,
    readonly pubkey: string,
  ) {
    this.workers = new KeyWorkers(
      () => new Worker(new URL('./notes.worker.ts', import.meta.url), { type: 'module' }),
      secretKey,
      pubkey,
      () => new NotesLockedError(),
    );
  }

  get size(): number {
    return this.workers.size;
  }

  terminate(): void {
    this.workers.terminate();
  }

  /** Gets every worker's crypto code compiled before the first note (see the worker's `warm`). */
  async warm(): Promise<void> {
    await this.workers.all({ op: 'warm' });
  }

  /** Decrypted notes are checked against these fields (sent again only when they change). */
  async setFields(fields: CustomFieldDefinition[]): Promise<void> {
    const signature = JSON.stringify(fields);
    if (signature === this.fieldsSignature) return;
    this.fieldsSignature = signature;
    await this.workers.all({ op: 'fields', fields });
  }

  /** Opens note versions in parallel; results come back in the order given. */
  open(notes: SealedVersion[]): Promise<OpenResult[]> {
    return this.workers.byId(notes, async (call, part, worker) => {
      const sent = performance.now();
      const reply = await call<{ ok: true; results: OpenResult[] }>({ op: 'open', notes: part });
      performance.mark('notes:slot-opened', {
        detail: { slot: worker, n: part.length, ms: performance.now() - sent },
      });
      return reply.results;
    });
  }

  /** Keys (`id:version`) of the decrypted notes matching every word of `query`, among `keys` if given. */
  async search(query: string, keys: string[] | null): Promise<Set<string>> {
    const replies = await this.workers.all<{ ok: true; keys: string[] }>({ op: 'search', query, keys });
    return new Set(replies.flatMap((r) => r.keys));
  }

  /** Wraps each version's key for `reader`, spread over the workers. */
  rewrap(reader: string, items: GrantWorkItem[]): Promise<{ wraps: GrantedWrap[]; failed: number }> {
    return this.workers.rewrap(items, (part) => ({ op: 'rewrap', reader, items: part }));
  }
}

export type { NotesPool };

/** The notes workers for the unlocked key; NotesLockedError while the vault is locked. */
export const notesPool: () => NotesPool = perUnlockedKey(
  (key, pubkey) => new NotesPool(key, pubkey),
  () => new NotesLockedError(),
);
