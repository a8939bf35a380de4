/// <reference lib="webworker" />

import { fromHex } from '@llamenos/crypto';
import { answerCalls } from '../worker-calls.js';
import { openMessage, type Reader, rewrapItems } from './crypto.js';
import type { ConversationsReply, ConversationsRequest, OpenedMessage, SealedMessage } from './protocol.js';

/**
 * A conversations worker: opens messages and re-wraps their keys for a new assignee, off the UI
 * thread (the crypto is in ./crypto.ts). It holds a copy of the unlocked secret key and the texts
 * it opened for the unlocked session only; the UI terminates it when the vault locks, which
 * erases both.
 */

let reader: Reader | null = null;

interface Cached {
  /** The exact ciphertext and wrap this entry was opened from: anything else is opened again. */
  ciphertext: string;
  wrap: string;
  result: OpenedMessage;
}
const cache = new Map<string, Cached>();

function requireReader(): Reader {
  if (!reader) throw new Error('the conversations worker has no key');
  return reader;
}

function open(message: SealedMessage): OpenedMessage {
  if (!message.wrap) return { id: message.id, status: 'failed', reason: 'no-wrap' };
  const entry = cache.get(message.id);
  if (entry && entry.ciphertext === message.ciphertext && entry.wrap === message.wrap) return entry.result;
  const result = openMessage(requireReader(), message, message.wrap);
  cache.set(message.id, { ciphertext: message.ciphertext, wrap: message.wrap, result });
  return result;
}

function handle(request: ConversationsRequest): ConversationsReply {
  switch (request.op) {
    case 'init':
      // The public key is bound into every wrap's associated data: a wrong one could only make
      // messages fail to open.
      reader = { secretKey: request.secretKey, publicKey: fromHex(request.publicKey, 32, 'public key') };
      cache.clear();
      return { ok: true, done: true };
    case 'open':
      return { ok: true, opened: request.messages.map(open) };
    case 'rewrap':
      return { ok: true, ...rewrapItems(requireReader(), request.recipient, request.items) };
  }
}

answerCalls(handle);
