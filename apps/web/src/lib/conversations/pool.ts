import { getPublicKey } from '@llamenos/crypto';
import type { RewrapItem } from '@llamenos/protocol';
import { onVaultChange, unlockedSecretKey } from '../vault.js';
import type {
  ConversationsCall,
  ConversationsReply,
  ConversationsResponse,
  OpenedMessage,
  RecipientWrap,
  SealedMessage,
} from './protocol.js';

/** The vault is locked: nothing encrypted can be opened until the PIN is entered. */
export class ConversationsLockedError extends Error {
  override readonly name = 'ConversationsLockedError';
  constructor() {
    super('unlock with your PIN to read messages');
  }
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: ConversationsReply) => void; reject: (e: Error) => void }>;
}

const MAX_WORKERS = 4;
let nextId = 1;

/**
 * Conversations workers, one per core (at most four). Opening a thread is one ECDH per message;
 * a re-wrap is three scalar multiplications per record, so a 1,000-message history is spread
 * over every core. Each holds a copy of the unlocked key, and the pool ends with the unlocked
 * session (lock, or another key), which erases the opened texts with it.
 */
class ConversationsPool {
  private readonly slots: Slot[] = [];
  private closed = false;

  constructor(
    secretKey: Uint8Array,
    readonly pubkey: string,
  ) {
    const size = Math.min(MAX_WORKERS, Math.max(1, navigator.hardwareConcurrency || 2));
    for (let i = 0; i < size; i++) {
      const slot: Slot = {
        worker: new Worker(new URL('./conversations.worker.ts', import.meta.url), { type: 'module' }),
        pending: new Map(),
      };
      slot.worker.onmessage = (event: MessageEvent<ConversationsResponse>) => {
        const { id, ...reply } = event.data;
        const waiter = slot.pending.get(id);
        slot.pending.delete(id);
        if (!waiter) return;
        if (reply.ok) waiter.resolve(reply);
        else waiter.reject(new Error(reply.message));
      };
      slot.worker.onerror = (event) => {
        event.preventDefault();
        for (const waiter of slot.pending.values()) waiter.reject(new Error(event.message || 'worker error'));
        slot.pending.clear();
      };
      this.slots.push(slot);
      // A copy: the vault zeroes its own array on lock. A failed init shows as the next call's failure.
      this.call(slot, { op: 'init', secretKey: secretKey.slice(), publicKey: pubkey }).catch(() => undefined);
    }
  }

  private call<T extends ConversationsReply>(slot: Slot, request: ConversationsCall): Promise<T> {
    if (this.closed) return Promise.reject(new ConversationsLockedError());
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (r: ConversationsReply) => void, reject });
      slot.worker.postMessage({ ...request, id });
    });
  }

  terminate(): void {
    this.closed = true;
    for (const slot of this.slots) {
      slot.worker.terminate();
      for (const waiter of slot.pending.values()) waiter.reject(new ConversationsLockedError());
      slot.pending.clear();
    }
  }

  /** Splits `items` into one contiguous part per worker; results come back in the order given. */
  private async spread<I, R>(items: I[], run: (slot: Slot, part: I[]) => Promise<R[]>): Promise<R[]> {
    const per = Math.ceil(items.length / this.slots.length);
    const parts = await Promise.all(
      this.slots.map((slot, s) => {
        const part = items.slice(s * per, (s + 1) * per);
        return part.length ? run(slot, part) : Promise.resolve([]);
      }),
    );
    return parts.flat();
  }

  /** A message always goes to the same worker (by its id), so each opened text is cached once. */
  async open(messages: SealedMessage[]): Promise<OpenedMessage[]> {
    const groups = this.slots.map(() => [] as number[]);
    messages.forEach((m, i) => {
      groups[Number.parseInt(m.id.slice(0, 8), 16) % this.slots.length]?.push(i);
    });
    const out = new Array<OpenedMessage>(messages.length);
    await Promise.all(
      groups.map(async (indexes, s) => {
        const slot = this.slots[s];
        if (!slot || indexes.length === 0) return;
        const reply = await this.call<{ ok: true; opened: OpenedMessage[] }>(slot, {
          op: 'open',
          messages: indexes.map((i) => messages[i] as SealedMessage),
        });
        reply.opened.forEach((result, j) => {
          out[indexes[j] as number] = result;
        });
      }),
    );
    return out;
  }

  /** Wraps each record's key for `recipient`, spread over the workers. */
  async rewrap(recipient: string, items: RewrapItem[]): Promise<{ wraps: RecipientWrap[]; failed: number }> {
    let failed = 0;
    const wraps = await this.spread(items, async (slot, part) => {
      const reply = await this.call<{ ok: true; wraps: RecipientWrap[]; failed: number }>(slot, {
        op: 'rewrap',
        recipient,
        items: part,
      });
      failed += reply.failed;
      return reply.wraps;
    });
    return { wraps, failed };
  }
}

export type { ConversationsPool };

let pool: ConversationsPool | null = null;

// The pool lives exactly as long as the unlocked session of one key.
onVaultChange(() => {
  if (!pool) return;
  const key = unlockedSecretKey();
  if (!key || getPublicKey(key) !== pool.pubkey) {
    pool.terminate();
    pool = null;
  }
});

/** The conversations workers for the unlocked key; ConversationsLockedError while the vault is locked. */
export function conversationsPool(): ConversationsPool {
  const key = unlockedSecretKey();
  if (!key) throw new ConversationsLockedError();
  const pubkey = getPublicKey(key);
  if (pool && pool.pubkey === pubkey) return pool;
  pool?.terminate();
  pool = new ConversationsPool(key, pubkey);
  return pool;
}
