import type { RewrapItem } from '@llamenos/protocol';
import { type SealedRecordsPool, sealedRecordsPool } from '../sealed-records-pool.js';
import type { OpenedMessage, RecipientWrap, SealedMessage } from './protocol.js';

export type ConversationsPool = SealedRecordsPool<SealedMessage, OpenedMessage, RewrapItem, RecipientWrap>;

/**
 * The conversations workers for the unlocked key. Opening a thread is one ECDH per message; a
 * re-wrap is three scalar multiplications per record, so a 1,000-message history is spread over
 * every core. Messages are not searched in the workers.
 */
export const conversationsPool: () => ConversationsPool = sealedRecordsPool(
  'messages',
  () => new Worker(new URL('./conversations.worker.ts', import.meta.url), { type: 'module' }),
);
