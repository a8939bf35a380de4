import { PURPOSES } from '@llamenos/crypto';
import { messageMediaRecordId, messageRecordId, type RewrapItem } from '@llamenos/protocol';
import { openOwnWrap, type Reader, rewrapOwnWrap } from '../sealed-records.js';
import type { OpenedMessage, RecipientWrap, SealedMessage } from './protocol.js';

/**
 * Opening messages and re-wrapping their keys (PROTOCOL.md §9.3), as the conversations worker
 * runs them: plain functions of the reader's secret and public key, so they are tested in Node.
 */

export type { Reader };

const decoder = new TextDecoder('utf-8', { fatal: true });

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

/** Opens one message with the reader's own wrap. */
export function openMessage(reader: Reader, message: SealedMessage, wrap: string): OpenedMessage {
  const context = { labels: PURPOSES.message, recordId: messageRecordId(message.id) };
  const opened = openOwnWrap(reader, context, { ciphertext: message.ciphertext, wrap }, bodyOf);
  if (!opened) return { id: message.id, status: 'failed', reason: 'decrypt' };
  return opened.value === null
    ? { id: message.id, status: 'failed', reason: 'malformed' }
    : { id: message.id, status: 'ok', body: opened.value };
}

/**
 * Only the two kinds of record a conversation holds, each under its own label, and the record
 * id must be of that kind: a request can never make this key unwrap a note or a voicemail.
 */
export function contextOf(item: RewrapItem): { label: string; recordId: string } | null {
  if (item.purpose === 'message' && item.recordId.startsWith(messageRecordId('')))
    return { label: PURPOSES.message.wrap, recordId: item.recordId };
  if (item.purpose === 'attachment' && item.recordId.startsWith(messageMediaRecordId('')))
    return { label: PURPOSES.attachment.wrap, recordId: item.recordId };
  return null;
}

/** Unwraps each record's key with our own wrap and wraps it for the recipient, same label and record id. */
export function rewrapItems(
  reader: Reader,
  recipient: string,
  items: RewrapItem[],
): { wraps: RecipientWrap[]; failed: number } {
  const wraps: RecipientWrap[] = [];
  let failed = 0;
  for (const item of items) {
    const ctx = contextOf(item);
    if (!ctx) {
      failed++;
      continue;
    }
    const wrap = rewrapOwnWrap(reader, item.wrap, recipient, ctx);
    if (wrap === null) failed++;
    else wraps.push({ recordId: item.recordId, wrap });
  }
  return { wraps, failed };
}
