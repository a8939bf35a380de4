import { CryptoError, fromUtf8, getPublicKey, openAsReader, PURPOSES } from '@llamenos/crypto';
import type { CallView } from '@llamenos/protocol';

/**
 * Who answered an ended call, from its sealed metadata (docs/PROTOCOL.md §9.2: purpose callMeta,
 * record id "call-meta:<callId>", sealed by the server for holders of calls:read-all).
 *   answered   — opened; `userId` is the volunteer who answered (null: nobody did)
 *   plain      — not sealed (yet): the server still returns `answeredBy` in the clear
 *   locked     — the key is locked, nothing can be opened
 *   not-shared — this key has no wrap in the envelope (it was sealed before this admin joined)
 *   failed     — the envelope did not open or its content is not call metadata (altered)
 */
export type CallAnswerer =
  | { state: 'answered'; userId: string | null }
  | { state: 'plain'; userId: string | null }
  | { state: 'locked' | 'not-shared' | 'failed' };

export const callMetaRecordId = (callId: string) => `call-meta:${callId}`;

export function openCallAnswerer(call: CallView, secretKey: Uint8Array | null): CallAnswerer {
  const envelope = call.metaEnvelope;
  if (!envelope) return { state: 'plain', userId: call.answeredBy };
  if (!secretKey) return { state: 'locked' };
  const me = getPublicKey(secretKey);
  if (!envelope.wraps?.some((w) => w.reader === me)) return { state: 'not-shared' };
  try {
    const meta = JSON.parse(
      fromUtf8(
        openAsReader(envelope, secretKey, {
          purpose: PURPOSES.callMeta,
          recordId: callMetaRecordId(call.id),
        }),
      ),
    ) as { v?: unknown; answeredBy?: { userId?: unknown } | null };
    if (meta.v !== 1) return { state: 'failed' };
    if (meta.answeredBy === null || meta.answeredBy === undefined) return { state: 'answered', userId: null };
    return typeof meta.answeredBy.userId === 'string'
      ? { state: 'answered', userId: meta.answeredBy.userId }
      : { state: 'failed' };
  } catch (error) {
    if (error instanceof CryptoError || error instanceof SyntaxError) return { state: 'failed' };
    throw error;
  }
}
