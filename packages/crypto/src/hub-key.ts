import { decryptContent, encryptContent } from './content.js';
import { unwrapKey, wrapKey } from './ecies.js';
import { fromBase64url, fromUtf8, toBase64url, utf8 } from './encoding.js';
import { ensure } from './errors.js';
import { deriveKey } from './kdf.js';
import { LABEL_HUB_EVENT, LABEL_HUB_KEY_WRAP } from './labels.js';
import { type RandomSource, secureRandom } from './random.js';

/**
 * The hub key: 32 random bytes, not derived from any identity, shared by the current
 * members of a hotline and replaced whenever one leaves. Real-time events are encrypted
 * under a key derived from it.
 */
export const generateHubKey = (random: RandomSource = secureRandom): Uint8Array => random(32);

/**
 * Record id of a hub-key wrap: the key's own id (a random lowercase UUID per rotation), used
 * byte for byte, so wraps of different epochs never mix. An id with an ASCII uppercase letter
 * is refused: a client that re-cased the server's UUID is told so, instead of failing to decrypt.
 */
export function hubKeyRecordId(hubKeyId: string): string {
  ensure(
    typeof hubKeyId === 'string' && hubKeyId.length > 0 && !/[A-Z]/.test(hubKeyId),
    'MALFORMED',
    'hub key id must be non-empty and lowercase, exactly as the server sent it',
  );
  return hubKeyId;
}

/** Wraps the hub key for one member. */
export const wrapHubKey = (
  hubKey: Uint8Array,
  memberPublicKey: string,
  hubKeyId: string,
  random: RandomSource = secureRandom,
): Uint8Array =>
  wrapKey(hubKey, memberPublicKey, { label: LABEL_HUB_KEY_WRAP, recordId: hubKeyRecordId(hubKeyId) }, random);

/** A member opens their wrap of the hub key. */
export const unwrapHubKey = (wrap: Uint8Array, secretKey: Uint8Array, hubKeyId: string): Uint8Array =>
  unwrapKey(wrap, secretKey, { label: LABEL_HUB_KEY_WRAP, recordId: hubKeyRecordId(hubKeyId) });

/** The key that encrypts real-time event content: HKDF(hub key, info = LABEL_HUB_EVENT). */
export const deriveEventKey = (hubKey: Uint8Array): Uint8Array => deriveKey(hubKey, LABEL_HUB_EVENT);

const EVENT_CONTEXT = { label: LABEL_HUB_EVENT, recordId: '' };

/** Every hub event is this one ephemeral kind: the relay forwards it and never stores it. */
export const HUB_EVENT_KIND = 20001;
/** The only tag a hub event carries, so the relay cannot tell event types apart. */
export const HUB_EVENT_TAG: readonly [string, string] = ['t', 'llamenos:event'];

/** Encrypts an event payload (JSON text) as the `content` of a kind-20001 Nostr event: base64url. */
export const encryptHubEvent = (
  eventKey: Uint8Array,
  payloadJson: string,
  random: RandomSource = secureRandom,
): string => toBase64url(encryptContent(eventKey, utf8(payloadJson), EVENT_CONTEXT, random));

/** Decrypts event content back to its JSON text; a leading byte-order mark is refused, never stripped. */
export function decryptHubEvent(eventKey: Uint8Array, content: string): string {
  const text = fromUtf8(decryptContent(eventKey, fromBase64url(content, 'event content'), EVENT_CONTEXT));
  ensure(!text.startsWith('\uFEFF'), 'MALFORMED', 'event payload starts with a byte-order mark');
  return text;
}
