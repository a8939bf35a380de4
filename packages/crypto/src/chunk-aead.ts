import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { xchacha20 } from '@noble/ciphers/chacha.js';
import { constantTimeEqual } from './encoding.js';

/**
 * XChaCha20-Poly1305 (RFC 8439's AEAD with the extended nonce, as @noble/ciphers' xchacha20poly1305
 * computes it: the same bytes, checked against Wycheproof and noble) for large chunks, sealed and
 * opened in the caller's buffer. Both primitives are noble's (`xchacha20`, the streaming
 * `poly1305`); only their RFC 8439 §2.8 composition is here.
 *
 * Why not noble's own AEAD: its Poly1305 `update` copies the message it is given into a new
 * buffer before authenticating it, so each 4 MiB attachment chunk left a 4 MiB buffer of garbage,
 * which the browser collects at its own pace: an upload's memory grew with its speed (measured,
 * `npm run bench -- reports`). Here the MAC is fed through the same public `update` in slices of
 * MAC_SLICE bytes: each copy is small and short-lived, reused by the allocator at once.
 */

const TAG = 16;
const ZEROS = new Uint8Array(32);
/** Bytes given to the MAC at a time (a whole number of 16-byte blocks). */
const MAC_SLICE = 16 * 1024;

type Mac = ReturnType<typeof poly1305.create>;

/** Adds `bytes` and the zeros that pad them to a whole block (RFC 8439 §2.8). */
function macPadded(mac: Mac, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; at += MAC_SLICE) mac.update(bytes.subarray(at, at + MAC_SLICE));
  const pad = (16 - (bytes.length % 16)) % 16;
  if (pad > 0) mac.update(ZEROS.subarray(0, pad));
}

function tagOf(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  // The one-time MAC key is the first 32 bytes of the key stream (block 0).
  const macKey = xchacha20(key, nonce, ZEROS);
  const mac = poly1305.create(macKey);
  macKey.fill(0);
  macPadded(mac, aad);
  macPadded(mac, ciphertext);
  const lengths = new Uint8Array(16);
  const view = new DataView(lengths.buffer);
  view.setBigUint64(0, BigInt(aad.length), true);
  view.setBigUint64(8, BigInt(ciphertext.length), true);
  mac.update(lengths);
  return mac.digest();
}

/**
 * Seals `plaintext` into `output` (plaintext.length + 16 bytes; it may be the buffer `plaintext`
 * starts) or a new buffer: ciphertext || tag.
 */
export function sealChunk(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  output: Uint8Array = new Uint8Array(plaintext.length + TAG),
): Uint8Array {
  if (output.length !== plaintext.length + TAG)
    throw new Error('output must be the plaintext and a tag long');
  const body = output.subarray(0, plaintext.length);
  // Counter 1 onwards: block 0 made the MAC key.
  xchacha20(key, nonce, plaintext, body, 1);
  output.set(tagOf(key, nonce, aad, body), plaintext.length);
  return output;
}

/**
 * Opens ciphertext || tag into `output` (sealed.length − 16 bytes; it may be `sealed` itself from
 * its start) or a new buffer; null when the tag does not authenticate, and then nothing was written.
 */
export function openChunk(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
  output: Uint8Array = new Uint8Array(Math.max(sealed.length - TAG, 0)),
): Uint8Array | null {
  if (sealed.length < TAG) return null;
  const ciphertext = sealed.subarray(0, sealed.length - TAG);
  if (output.length !== ciphertext.length) throw new Error('output must be the ciphertext long');
  if (!constantTimeEqual(tagOf(key, nonce, aad, ciphertext), sealed.subarray(ciphertext.length))) return null;
  xchacha20(key, nonce, ciphertext, output, 1);
  return output;
}
