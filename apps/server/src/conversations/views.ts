import type { ConversationView, MessageMediaView, MessageView } from '@llamenos/protocol';
import type { ConversationRow, MediaRow, MessageRow } from './store.js';

/** Rows as the API shows them: ids, states and times; the caller's own wrap and nothing else. */

export function conversationView(row: ConversationRow, unread: number): ConversationView {
  return {
    id: row.id,
    kind: row.kind,
    channel: row.channel,
    status: row.status,
    assignedTo: row.assigned_to,
    contactLast4: row.contact_last4,
    optedOut: row.opted_out,
    lastMessageAt: row.last_message_at.toISOString(),
    waitingSince: row.waiting_since?.toISOString() ?? null,
    unread,
    createdAt: row.created_at.toISOString(),
    closedAt: row.closed_at?.toISOString() ?? null,
  };
}

export function mediaView(row: MediaRow & { wrap: string | null }): MessageMediaView {
  return {
    id: row.id,
    state: row.state,
    contentType: row.content_type,
    sizeBucket: row.size_bucket,
    wrap: row.state === 'stored' ? row.wrap : null,
  };
}

export function messageView(
  row: MessageRow & { wrap: string | null },
  reader: string,
  media: MessageMediaView[],
): MessageView {
  return {
    id: row.id,
    direction: row.direction,
    envelope: { v: 1, ciphertext: row.ciphertext, wraps: row.wrap ? [{ reader, wrap: row.wrap }] : [] },
    createdAt: row.created_at.toISOString(),
    delivery: row.delivery,
    errorCode: row.error_code,
    retryable: row.retryable,
    author: row.author,
    media,
  };
}

/** Plaintext size rounded up to a power of two, at least 1 KiB: the list shows "about how big". */
export function sizeBucket(size: number): number {
  let bucket = 1024;
  while (bucket < size) bucket *= 2;
  return bucket;
}
