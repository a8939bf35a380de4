import { secp256k1 } from '@noble/curves/secp256k1.js';
import { concat, u32be } from './encoding.js';
import { ensure } from './errors.js';
import { deriveKey } from './kdf.js';
import {
  LABEL_SERVER_HASH_KEY,
  LABEL_SERVER_NOSTR_KEY,
  LABEL_SERVER_REQUEST_KEY,
  LABEL_SERVER_SETTINGS_KEY,
} from './labels.js';

/**
 * The server holds one high-entropy secret (≥ 32 bytes, from its configuration) and derives
 * every key it needs from it, each under its own label, so one leaked sub-key reveals no other.
 */
function assertServerSecret(secret: Uint8Array): void {
  ensure(secret.length >= 32, 'INVALID_KEY', 'server secret must be at least 32 bytes');
}

/** The server's Nostr secret key: HKDF(secret || u32be(counter), LABEL_SERVER_NOSTR_KEY) for the first counter that gives a valid scalar. */
export function deriveServerNostrKey(secret: Uint8Array): Uint8Array {
  assertServerSecret(secret);
  for (let counter = 0; ; counter++) {
    const candidate = deriveKey(concat(secret, u32be(counter)), LABEL_SERVER_NOSTR_KEY);
    if (secp256k1.utils.isValidSecretKey(candidate)) return candidate;
  }
}

/** The HMAC key for phone numbers and IP addresses. */
export function deriveServerHashKey(secret: Uint8Array): Uint8Array {
  assertServerSecret(secret);
  return deriveKey(secret, LABEL_SERVER_HASH_KEY);
}

/** The key that encrypts provider credentials and other settings at rest. */
export function deriveServerSettingsKey(secret: Uint8Array): Uint8Array {
  assertServerSecret(secret);
  return deriveKey(secret, LABEL_SERVER_SETTINGS_KEY);
}

/**
 * The key request keys are derived from (request-key.ts): the same on every process of one
 * hotline. Its input is the server secret followed by a 32-byte random seed the server keeps in
 * its database, so that the secret alone, without the database, mints no key: a request key acts
 * as a member, and a leaked configuration file should not be enough for that.
 */
export function deriveServerRequestKeySecret(secret: Uint8Array, seed: Uint8Array): Uint8Array {
  assertServerSecret(secret);
  ensure(seed.length === 32, 'INVALID_KEY', 'the request-key seed must be 32 bytes');
  return deriveKey(concat(secret, seed), LABEL_SERVER_REQUEST_KEY);
}
