import { sha256 } from '@noble/hashes/sha2.js';
import { base32 } from '@scure/base';
import { asciiUppercase, concat, constantTimeEqual, lengthPrefixed } from './encoding.js';
import { CryptoError, ensure } from './errors.js';
import { deriveKey } from './kdf.js';
import { openSecretKey, sealSecretKey } from './key-lock.js';
import { assertSecretKey, getPublicKeyBytes, keyIdOf } from './keys.js';
import { LABEL_RECOVERY_CHECK, LABEL_RECOVERY_LOCK } from './labels.js';
import { type RandomSource, secureRandom } from './random.js';

/**
 * The recovery key: 128 random bits the volunteer writes down. It opens the backup of their
 * secret key without the PIN and, having full entropy, needs no slow KDF.
 * Text form: RFC 4648 base32 of key (16) || checksum (2), in groups of four: 29 characters.
 */
export const RECOVERY_LOCK_VERSION = 1;
export const RECOVERY_LOCK_LENGTH = 1 + 16 + 24 + 48;

const checksum = (key: Uint8Array): Uint8Array =>
  sha256(concat(lengthPrefixed(LABEL_RECOVERY_CHECK), key)).slice(0, 2);

/** A new 16-byte recovery key. */
export const generateRecoveryKey = (random: RandomSource = secureRandom): Uint8Array => random(16);

/** Human form of a recovery key: `ABCD-EFGH-…` with a typo-catching checksum. */
export function formatRecoveryKey(key: Uint8Array): string {
  ensure(key.length === 16, 'MALFORMED', 'recovery key must be 16 bytes');
  const text = base32.encode(concat(key, checksum(key))).replace(/=+$/, '');
  return text.match(/.{1,4}/g)!.join('-');
}

/** Parses a typed recovery key: ASCII case, ASCII whitespace and dashes are ignored; the checksum must match. */
export function parseRecoveryKey(text: string): Uint8Array {
  const compact = asciiUppercase(text).replace(/[\t\n\v\f\r -]/g, '');
  ensure(/^[A-Z2-7]{29}$/.test(compact), 'MALFORMED', 'a recovery key has 29 letters and digits 2–7');
  let bytes: Uint8Array;
  try {
    bytes = base32.decode(`${compact}===`);
  } catch {
    throw new CryptoError('MALFORMED', 'recovery key is not valid base32');
  }
  const key = bytes.slice(0, 16);
  ensure(
    constantTimeEqual(checksum(key), bytes.subarray(16)),
    'WRONG_RECOVERY_KEY',
    'recovery key has a typo (checksum mismatch)',
  );
  return key;
}

/** Locks a secret key under the recovery key: version (1) || key id (16) || nonce (24) || sealed key (48). */
export function lockWithRecoveryKey(
  secretKey: Uint8Array,
  recoveryKey: Uint8Array,
  random: RandomSource = secureRandom,
): Uint8Array {
  assertSecretKey(secretKey);
  ensure(recoveryKey.length === 16, 'MALFORMED', 'recovery key must be 16 bytes');
  const head = concat(new Uint8Array([RECOVERY_LOCK_VERSION]), keyIdOf(getPublicKeyBytes(secretKey)));
  const nonce = random(24);
  const kek = deriveKey(recoveryKey, LABEL_RECOVERY_LOCK);
  return sealSecretKey(kek, LABEL_RECOVERY_LOCK, head, nonce, secretKey);
}

/** Opens a recovery lock. */
export function unlockWithRecoveryKey(blob: Uint8Array, recoveryKey: Uint8Array): Uint8Array {
  ensure(blob.length >= 1, 'MALFORMED', 'empty recovery lock');
  ensure(
    blob[0] === RECOVERY_LOCK_VERSION,
    'UNSUPPORTED_VERSION',
    `recovery lock version ${blob[0]} is not supported`,
  );
  ensure(
    blob.length === RECOVERY_LOCK_LENGTH,
    'MALFORMED',
    `recovery lock must be ${RECOVERY_LOCK_LENGTH} bytes`,
  );
  ensure(recoveryKey.length === 16, 'MALFORMED', 'recovery key must be 16 bytes');
  const kek = deriveKey(recoveryKey, LABEL_RECOVERY_LOCK);
  return openSecretKey(kek, LABEL_RECOVERY_LOCK, blob, 17, blob.subarray(1, 17), {
    wrong: { code: 'WRONG_RECOVERY_KEY', message: 'wrong recovery key, or the backup was altered' },
    mismatch: 'recovery lock key id mismatch',
  });
}
