import { PURPOSES, type SealedEnvelope, sealForReaders, utf8 } from '@llamenos/crypto';
import { type MessagePayload, type MessageView, messageRecordId } from '@llamenos/protocol';
import { ApiRequestError, fetchNoteReaders, postReply, retryReply } from '../api/index.js';
import { conversationsPool } from './pool.js';

/**
 * Replies are sealed here, in the browser, for exactly the conversation's assignee and every
 * member holding conversations:read-all (PROTOCOL.md §9.3); the plaintext goes beside the
 * envelope only so the server can hand it to the provider, which it does and forgets.
 */

export function sealReply(id: string, body: string, readers: readonly string[]): SealedEnvelope {
  const payload: MessagePayload = { v: 1, body };
  return sealForReaders(utf8(JSON.stringify(payload)), readers, {
    purpose: PURPOSES.message,
    recordId: messageRecordId(id),
  });
}

/** The readers the server named when refusing an envelope: `{missing, extra}` public keys. */
function namedReaders(error: unknown): { missing: string[]; extra: string[] } | null {
  if (!(error instanceof ApiRequestError) || error.status !== 400) return null;
  const details = error.details as { missing?: unknown; extra?: unknown } | undefined;
  const keys = (list: unknown) =>
    Array.isArray(list)
      ? list.filter((k): k is string => typeof k === 'string' && /^[0-9a-f]{64}$/.test(k))
      : null;
  const missing = keys(details?.missing);
  const extra = keys(details?.extra);
  return missing || extra ? { missing: missing ?? [], extra: extra ?? [] } : null;
}

/**
 * Seals and sends a reply. The first seal is for the caller, the hotline's admins (the note
 * readers, the usual set) and the assignee when the caller knows their key (an admin replying
 * in a volunteer's conversation); when the server names readers that differ (a changed set of
 * admins) the reply is sealed again, under a new key, for the corrected set, twice at most.
 */
export async function sendReply(
  conversationId: string,
  body: string,
  assigneeKey: string | null = null,
): Promise<MessageView> {
  const id = crypto.randomUUID();
  let readers = [...new Set([...(await fetchNoteReaders()), ...(assigneeKey ? [assigneeKey] : [])])];
  for (let attempt = 0; ; attempt++) {
    try {
      return await postReply(conversationId, { id, body, sealed: sealReply(id, body, readers) });
    } catch (error) {
      const named = attempt < 2 ? namedReaders(error) : null;
      if (!named) throw error;
      const extra = new Set(named.extra);
      readers = [...new Set([...readers, ...named.missing])].filter((r) => !extra.has(r));
    }
  }
}

/** Sends a failed reply again: its text comes from the caller's own sealed copy, opened in a worker. */
export async function retrySend(
  conversationId: string,
  message: MessageView,
  ownPubkey: string,
): Promise<MessageView> {
  const wrap = message.envelope.wraps.find((w) => w.reader === ownPubkey)?.wrap ?? null;
  const [opened] = await conversationsPool().open([
    { id: message.id, ciphertext: message.envelope.ciphertext, wrap },
  ]);
  if (opened?.status !== 'ok')
    throw new ApiRequestError(0, 'not-readable', 'this reply cannot be opened here');
  return retryReply(conversationId, message.id, opened.body);
}
