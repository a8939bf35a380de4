import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concat, constantTimeEqual, lengthPrefixed } from './encoding.js';
import { CryptoError, type CryptoErrorCode, ensure } from './errors.js';
import { getPublicKeyBytes, keyIdOf } from './keys.js';

/**
 * What the PIN lock and the recovery lock share: head || nonce (24) || the secret key sealed with
 * XChaCha20-Poly1305 under a key-encryption key, with lp(label) || head as associated data. Each
 * lock's head ends with the key's id; the KEK (from the PIN or the recovery key) is wiped here.
 */

const lockAad = (label: string, head: Uint8Array): Uint8Array => concat(lengthPrefixed(label), head);

/** Seals `secretKey` under `kek` behind `head`; returns the whole lock. */
export function sealSecretKey(
  kek: Uint8Array,
  label: string,
  head: Uint8Array,
  nonce: Uint8Array,
  secretKey: Uint8Array,
): Uint8Array {
  const sealed = xchacha20poly1305(kek, nonce, lockAad(label, head)).encrypt(secretKey);
  kek.fill(0);
  return concat(head, nonce, sealed);
}

/** How a lock says it did not open. */
export interface LockRefusals {
  /** A wrong PIN or recovery key, or an altered lock: the two cannot be told apart. */
  wrong: { code: CryptoErrorCode; message: string };
  /** The key inside is not the one whose id the head holds. */
  mismatch: string;
}

/** Opens a lock whose head is `headLength` bytes and names the key `keyId`. */
export function openSecretKey(
  kek: Uint8Array,
  label: string,
  blob: Uint8Array,
  headLength: number,
  keyId: Uint8Array,
  refusals: LockRefusals,
): Uint8Array {
  const head = blob.subarray(0, headLength);
  const nonce = blob.subarray(headLength, headLength + 24);
  let secretKey: Uint8Array;
  try {
    secretKey = xchacha20poly1305(kek, nonce, lockAad(label, head)).decrypt(blob.subarray(headLength + 24));
  } catch {
    throw new CryptoError(refusals.wrong.code, refusals.wrong.message);
  } finally {
    kek.fill(0);
  }
  ensure(constantTimeEqual(keyIdOf(getPublicKeyBytes(secretKey)), keyId), 'MALFORMED', refusals.mismatch);
  return secretKey;
}
