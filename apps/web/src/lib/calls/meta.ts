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

type Unopened = { state: 'locked' | 'not-shared' | 'failed' };
type SealedMeta = { v?: unknown; answeredBy?: { userId?: unknown } | null; legs?: unknown };

/** The sealed metadata opened with this key, or why it could not be (null: there is none). */
function openMeta(call: CallView, secretKey: Uint8Array | null): { meta: SealedMeta } | Unopened | null {
  const envelope = call.metaEnvelope;
  if (!envelope) return null;
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
    ) as SealedMeta;
    return meta.v === 1 ? { meta } : { state: 'failed' };
  } catch (error) {
    if (error instanceof CryptoError || error instanceof SyntaxError) return { state: 'failed' };
    throw error;
  }
}

export function openCallAnswerer(call: CallView, secretKey: Uint8Array | null): CallAnswerer {
  const opened = openMeta(call, secretKey);
  if (!opened) return { state: 'plain', userId: call.answeredBy };
  if ('state' in opened) return opened;
  const { answeredBy } = opened.meta;
  if (answeredBy === null || answeredBy === undefined) return { state: 'answered', userId: null };
  return typeof answeredBy.userId === 'string'
    ? { state: 'answered', userId: answeredBy.userId }
    : { state: 'failed' };
}

/**
 * Who an ended call rang (one user id per volunteer, in the order they were rung), from its
 * sealed metadata; `plain` when it is not sealed (yet), and the caller then uses what the
 * server says of the live call.
 */
export function openCallRung(
  call: CallView,
  secretKey: Uint8Array | null,
): { state: 'rung'; userIds: string[] } | { state: 'plain' } | Unopened {
  const opened = openMeta(call, secretKey);
  if (!opened) return { state: 'plain' };
  if ('state' in opened) return opened;
  const legs = opened.meta.legs;
  if (!Array.isArray(legs)) return { state: 'failed' };
  const ids = legs
    .map((l: { userId?: unknown }) => l?.userId)
    .filter((id): id is string => typeof id === 'string');
  return { state: 'rung', userIds: [...new Set(ids)] };
}
