/// <reference lib="webworker" />
import {
  CryptoError,
  decryptContent,
  fromBase64url,
  fromHex,
  PURPOSES,
  toBase64url,
  unwrapKeyAs,
  wrapKey,
} from '@llamenos/crypto';
import { messageMediaRecordId, messageRecordId, type RewrapItem } from '@llamenos/protocol';
import type {
  ConversationsReply,
  ConversationsRequest,
  ConversationsResponse,
  OpenedMessage,
  RecipientWrap,
  SealedMessage,
} from './protocol.js';

/**
 * A conversations worker: opens messages and re-wraps their keys for a new assignee, off the UI
 * thread. It holds a copy of the unlocked secret key and the texts it opened for the unlocked
 * session only; the UI terminates it when the vault locks, which erases both.
 */

let secretKey: Uint8Array | null = null;
let ownPublic: Uint8Array = new Uint8Array(0);

interface Cached {
  /** The exact ciphertext and wrap this entry was opened from: anything else is opened again. */
  ciphertext: string;
  wrap: string;
  result: OpenedMessage;
}
const cache = new Map<string, Cached>();
const decoder = new TextDecoder('utf-8', { fatal: true });

function requireKey(): Uint8Array {
  if (!secretKey) throw new Error('the conversations worker has no key');
  return secretKey;
}

/** The sealed JSON `{"v":1,"body":"…"}` (PROTOCOL.md §9.3), anything else is malformed. */
function bodyOf(plain: Uint8Array): string | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(plain));
    if (typeof value !== 'object' || value === null) return null;
    const { v, body } = value as { v?: unknown; body?: unknown };
    return v === 1 && typeof body === 'string' ? body : null;
  } catch {
    return null;
  }
}

function decrypt(message: SealedMessage, wrap: string): OpenedMessage {
  const recordId = messageRecordId(message.id);
  let key: Uint8Array | null = null;
  try {
    key = unwrapKeyAs(fromBase64url(wrap, 'wrap'), requireKey(), ownPublic, {
      label: PURPOSES.message.wrap,
      recordId,
    });
    const plain = decryptContent(key, fromBase64url(message.ciphertext, 'ciphertext'), {
      label: PURPOSES.message.content,
      recordId,
    });
    try {
      const body = bodyOf(plain);
      return body === null
        ? { id: message.id, status: 'failed', reason: 'malformed' }
        : { id: message.id, status: 'ok', body };
    } finally {
      plain.fill(0);
    }
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    return { id: message.id, status: 'failed', reason: 'decrypt' };
  } finally {
    key?.fill(0);
  }
}

function open(message: SealedMessage): OpenedMessage {
  if (!message.wrap) return { id: message.id, status: 'failed', reason: 'no-wrap' };
  const entry = cache.get(message.id);
  if (entry && entry.ciphertext === message.ciphertext && entry.wrap === message.wrap) return entry.result;
  const result = decrypt(message, message.wrap);
  cache.set(message.id, { ciphertext: message.ciphertext, wrap: message.wrap, result });
  return result;
}

/**
 * Only the two kinds of record a conversation holds, each under its own label, and the record
 * id must be of that kind: a request can never make this key unwrap a note or a voicemail.
 */
function contextOf(item: RewrapItem): { label: string; recordId: string } | null {
  if (item.purpose === 'message' && item.recordId.startsWith(messageRecordId('')))
    return { label: PURPOSES.message.wrap, recordId: item.recordId };
  if (item.purpose === 'attachment' && item.recordId.startsWith(messageMediaRecordId('')))
    return { label: PURPOSES.attachment.wrap, recordId: item.recordId };
  return null;
}

/** Unwraps each record's key with our own wrap and wraps it for the recipient, same label and record id. */
function rewrap(recipient: string, items: RewrapItem[]): { wraps: RecipientWrap[]; failed: number } {
  const wraps: RecipientWrap[] = [];
  let failed = 0;
  for (const item of items) {
    const ctx = contextOf(item);
    if (!ctx) {
      failed++;
      continue;
    }
    let key: Uint8Array | null = null;
    try {
      key = unwrapKeyAs(fromBase64url(item.wrap, 'wrap'), requireKey(), ownPublic, ctx);
      wraps.push({ recordId: item.recordId, wrap: toBase64url(wrapKey(key, recipient, ctx)) });
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      failed++;
    } finally {
      key?.fill(0);
    }
  }
  return { wraps, failed };
}

function handle(request: ConversationsRequest): ConversationsReply {
  switch (request.op) {
    case 'init':
      secretKey = request.secretKey;
      // Bound into every wrap's associated data: a wrong one could only make messages fail to open.
      ownPublic = fromHex(request.publicKey, 32, 'public key');
      cache.clear();
      return { ok: true, done: true };
    case 'open':
      return { ok: true, opened: request.messages.map(open) };
    case 'rewrap':
      return { ok: true, ...rewrap(request.recipient, request.items) };
  }
}

self.onmessage = (event: MessageEvent<ConversationsRequest>) => {
  let response: ConversationsResponse;
  try {
    response = { id: event.data.id, ...handle(event.data) };
  } catch (error) {
    response = {
      id: event.data.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    };
  }
  (self as unknown as Worker).postMessage(response);
};
