import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concat, lengthPrefixed, readU32be, u32be } from './encoding.js';
import { CryptoError, ensure } from './errors.js';
import { type RandomSource, secureRandom } from './random.js';

/** Version byte of the content format. */
export const CONTENT_VERSION = 1;
/** Largest plaintext sealed in one piece; larger objects use the streaming format. */
export const MAX_CONTENT_BYTES = 16 * 1024 * 1024;
const HEADER = 1 + 24;
const TAG = 16;

/** What content is bound to: the label of its purpose and the id of its record. */
export interface ContentContext {
  label: string;
  recordId: string;
}

/**
 * Padded length for `n` plaintext bytes: at least 32, then multiples of one eighth of the
 * next power of two (multiples of 32 up to 256). Above 256 bytes this costs at most 25%
 * (257 → 320) and hides the exact length within a bucket.
 */
export function paddedLength(n: number): number {
  if (n <= 32) return 32;
  const nextPower = 2 ** Math.ceil(Math.log2(n));
  const chunk = nextPower <= 256 ? 32 : nextPower / 8;
  return chunk * Math.ceil(n / chunk);
}

/** u32be(length) || plaintext || zero bytes up to paddedLength(length). */
export function pad(plaintext: Uint8Array): Uint8Array {
  ensure(plaintext.length <= MAX_CONTENT_BYTES, 'TOO_LARGE', `content above ${MAX_CONTENT_BYTES} bytes`);
  const out = new Uint8Array(4 + paddedLength(plaintext.length));
  out.set(u32be(plaintext.length), 0);
  out.set(plaintext, 4);
  return out;
}

/** Inverse of `pad`; rejects a length that does not match the padded size or non-zero padding. */
export function unpad(padded: Uint8Array): Uint8Array {
  ensure(padded.length >= 4 + 32, 'MALFORMED', 'padded content too short');
  const length = readU32be(padded, 0);
  ensure(
    length <= MAX_CONTENT_BYTES && 4 + paddedLength(length) === padded.length,
    'MALFORMED',
    'padding length mismatch',
  );
  for (let i = 4 + length; i < padded.length; i++) ensure(padded[i] === 0, 'MALFORMED', 'non-zero padding');
  return padded.slice(4, 4 + length);
}

/** Sealing and opening refuse a key of the wrong length alike (INVALID_KEY). */
const assertContentKey = (key: Uint8Array): void =>
  ensure(key.length === 32, 'INVALID_KEY', 'content key must be 32 bytes');

const contentAad = (ctx: ContentContext): Uint8Array =>
  concat(new Uint8Array([CONTENT_VERSION]), lengthPrefixed(ctx.label), lengthPrefixed(ctx.recordId));

/** Encrypts padded content under a 32-byte key: version || nonce (24) || XChaCha20-Poly1305(pad(plaintext)). */
export function encryptContent(
  key: Uint8Array,
  plaintext: Uint8Array,
  ctx: ContentContext,
  random: RandomSource = secureRandom,
): Uint8Array {
  assertContentKey(key);
  const nonce = random(24);
  const sealed = xchacha20poly1305(key, nonce, contentAad(ctx)).encrypt(pad(plaintext));
  return concat(new Uint8Array([CONTENT_VERSION]), nonce, sealed);
}

/** Decrypts `encryptContent` output; DECRYPT_FAILED on a wrong key, label or record id, or any alteration. */
export function decryptContent(key: Uint8Array, blob: Uint8Array, ctx: ContentContext): Uint8Array {
  assertContentKey(key);
  ensure(blob.length >= 1, 'MALFORMED', 'empty content');
  ensure(blob[0] === CONTENT_VERSION, 'UNSUPPORTED_VERSION', `content version ${blob[0]} is not supported`);
  ensure(blob.length >= HEADER + 4 + 32 + TAG, 'MALFORMED', 'content too short');
  ensure(blob.length <= HEADER + 4 + paddedLength(MAX_CONTENT_BYTES) + TAG, 'TOO_LARGE', 'content too large');
  let padded: Uint8Array;
  try {
    padded = xchacha20poly1305(key, blob.subarray(1, HEADER), contentAad(ctx)).decrypt(blob.subarray(HEADER));
  } catch {
    throw new CryptoError(
      'DECRYPT_FAILED',
      'content did not decrypt: wrong key, label or record, or altered',
    );
  }
  return unpad(padded);
}
