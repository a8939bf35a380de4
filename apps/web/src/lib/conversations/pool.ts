import type { RewrapItem } from '@llamenos/protocol';
import { KeyWorkers, perUnlockedKey } from '../key-workers.js';
import type {
  ConversationsCall,
  ConversationsReply,
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

/**
 * Conversations workers (lib/key-workers.ts). Opening a thread is one ECDH per message; a
 * re-wrap is three scalar multiplications per record, so a 1,000-message history is spread
 * over every core. The pool ends with the unlocked session, which erases the opened texts with it.
 */
class ConversationsPool {
  private readonly workers: KeyWorkers<ConversationsCall, ConversationsReply>;

  constructor(
    secretKey: Uint8Array,
    readonly pubkey: string,
  ) {
    this.workers = new KeyWorkers(
      () => new Worker(new URL('./conversations.worker.ts', import.meta.url), { type: 'module' }),
      secretKey,
      pubkey,
      () => new ConversationsLockedError(),
    );
  }

  terminate(): void {
    this.workers.terminate();
  }

  /** A message always goes to the same worker (by its id), so each opened text is cached once. */
  open(messages: SealedMessage[]): Promise<OpenedMessage[]> {
    return this.workers.byId(messages, async (call, part) => {
      const reply = await call<{ ok: true; opened: OpenedMessage[] }>({ op: 'open', messages: part });
      return reply.opened;
    });
  }

  /** Wraps each record's key for `recipient`, spread over the workers. */
  rewrap(recipient: string, items: RewrapItem[]): Promise<{ wraps: RecipientWrap[]; failed: number }> {
    return this.workers.rewrap(items, (part) => ({ op: 'rewrap', recipient, items: part }));
  }
}

export type { ConversationsPool };

/** The conversations workers for the unlocked key; ConversationsLockedError while the vault is locked. */
export const conversationsPool: () => ConversationsPool = perUnlockedKey(
  (key, pubkey) => new ConversationsPool(key, pubkey),
  () => new ConversationsLockedError(),
);
