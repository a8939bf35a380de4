import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bech32 } from '@scure/base';
import { concat, fromHex, lengthPrefixed, toHex } from './encoding.js';
import { CryptoError, ensure } from './errors.js';
import { LABEL_KEY_ID } from './labels.js';
import { type RandomSource, secureRandom } from './random.js';

/** A secp256k1 secret key (32 bytes, 1 ≤ k < n). */
export type SecretKey = Uint8Array;
/** A BIP-340 x-only public key (32 bytes), written as lowercase hex on the wire as Nostr does. */
export type PublicKeyHex = string;

const BECH32_LIMIT = 1000;

/** A fresh secret key from `random` (retries the negligible chance of an out-of-range scalar). */
export function generateSecretKey(random: RandomSource = secureRandom): SecretKey {
  for (;;) {
    const candidate = random(32);
    if (secp256k1.utils.isValidSecretKey(candidate)) return candidate;
  }
}

/** Throws INVALID_KEY unless `secretKey` is a valid secp256k1 scalar. */
export function assertSecretKey(secretKey: Uint8Array): void {
  ensure(
    secretKey instanceof Uint8Array && secretKey.length === 32 && secp256k1.utils.isValidSecretKey(secretKey),
    'INVALID_KEY',
    'secret key must be 32 bytes in [1, n)',
  );
}

/** The x-only public key (BIP-340) of a secret key, as 32 bytes. */
export function getPublicKeyBytes(secretKey: SecretKey): Uint8Array {
  assertSecretKey(secretKey);
  return schnorr.getPublicKey(secretKey);
}

/** The x-only public key of a secret key, as lowercase hex. */
export const getPublicKey = (secretKey: SecretKey): PublicKeyHex => toHex(getPublicKeyBytes(secretKey));

/** Decodes an x-only public key and checks that it is the x-coordinate of a curve point. */
export function parsePublicKey(publicKey: PublicKeyHex): Uint8Array {
  const bytes = fromHex(publicKey, 32, 'public key');
  ensure(
    secp256k1.utils.isValidPublicKey(concat(new Uint8Array([2]), bytes), true),
    'INVALID_KEY',
    'public key is not on secp256k1',
  );
  return bytes;
}

/** The compressed SEC1 point (02 || x) for an x-only key: the even-y point, as BIP-340 defines. */
export const compressedFromXOnly = (xOnly: Uint8Array): Uint8Array => concat(new Uint8Array([2]), xOnly);

/** A 16-byte key id: SHA-256(lp(LABEL_KEY_ID) || pubkey)[0..16]. Names a key without storing the key itself. */
export const keyIdOf = (publicKey: Uint8Array): Uint8Array =>
  sha256(concat(lengthPrefixed(LABEL_KEY_ID), publicKey)).slice(0, 16);

function encodeBech32(prefix: 'nsec' | 'npub', bytes: Uint8Array): string {
  return bech32.encode(prefix, bech32.toWords(bytes), BECH32_LIMIT);
}

function decodeBech32(prefix: 'nsec' | 'npub', text: string): Uint8Array {
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32.decode(text as `${string}1${string}`, BECH32_LIMIT);
  } catch {
    throw new CryptoError('MALFORMED', `not a valid bech32 ${prefix}`);
  }
  ensure(decoded.prefix === prefix, 'MALFORMED', `expected an ${prefix}, got ${decoded.prefix}`);
  let bytes: Uint8Array;
  try {
    bytes = bech32.fromWords(decoded.words);
  } catch {
    throw new CryptoError('MALFORMED', `${prefix} has non-zero padding bits`);
  }
  ensure(bytes.length === 32, 'MALFORMED', `${prefix} must hold 32 bytes`);
  return bytes;
}

/** NIP-19 `nsec1…` form of a secret key. */
export function encodeNsec(secretKey: SecretKey): string {
  assertSecretKey(secretKey);
  return encodeBech32('nsec', secretKey);
}

/** Secret key from its NIP-19 `nsec1…` form. */
export function decodeNsec(nsec: string): SecretKey {
  const bytes = decodeBech32('nsec', nsec);
  assertSecretKey(bytes);
  return bytes;
}

/** NIP-19 `npub1…` form of an x-only public key. */
export const encodeNpub = (publicKey: PublicKeyHex): string =>
  encodeBech32('npub', parsePublicKey(publicKey));

/** Hex x-only public key from its NIP-19 `npub1…` form. */
export function decodeNpub(npub: string): PublicKeyHex {
  const hex = toHex(decodeBech32('npub', npub));
  parsePublicKey(hex);
  return hex;
}
