import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex, utf8 } from './encoding.js';
import { ensure } from './errors.js';
import { getPublicKey } from './keys.js';
import { type RandomSource, secureRandom } from './random.js';
import { signSchnorr, verifySchnorr } from './schnorr.js';

/** A signed Nostr event (NIP-01). */
export interface NostrEvent {
  id: string;
  pubkey: string;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
  sig: string;
}

export type UnsignedEvent = Omit<NostrEvent, 'id' | 'sig' | 'pubkey'>;

/** NIP-01 event id: SHA-256 of the UTF-8 JSON array [0, pubkey, created_at, kind, tags, content]. */
export function eventId(event: Omit<NostrEvent, 'id' | 'sig'>): string {
  const serialized = JSON.stringify([
    0,
    event.pubkey,
    event.created_at,
    event.kind,
    event.tags,
    event.content,
  ]);
  return toHex(sha256(utf8(serialized)));
}

/** Signs an event with a secret key (BIP-340 over the event id). */
export function signEvent(
  event: UnsignedEvent,
  secretKey: Uint8Array,
  random: RandomSource = secureRandom,
): NostrEvent {
  ensure(
    Number.isSafeInteger(event.created_at) && event.created_at >= 0,
    'MALFORMED',
    'created_at must be a unix time',
  );
  const withKey = { ...event, pubkey: getPublicKey(secretKey) };
  const id = eventId(withKey);
  return { ...withKey, id, sig: toHex(signSchnorr(fromHex(id, 32), secretKey, random)) };
}

/** True only when the id matches the content and the signature is valid for the pubkey. */
export function verifyEvent(event: NostrEvent): boolean {
  try {
    if (eventId(event) !== event.id) return false;
    return verifySchnorr(fromHex(event.sig, 64), fromHex(event.id, 32), fromHex(event.pubkey, 32));
  } catch {
    return false;
  }
}
