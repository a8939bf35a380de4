import { Poly1305 } from '@noble/ciphers/_poly1305.js';
import { xchacha20 } from '@noble/ciphers/chacha.js';
import { constantTimeEqual } from './encoding.js';

/**
 * XChaCha20-Poly1305 (RFC 8439's AEAD with the extended nonce, as @noble/ciphers' xchacha20poly1305
 * computes it: the same bytes) for large chunks, sealed and opened in the caller's buffer.
 *
 * Why not noble's own: its Poly1305 copies every message it is given into a new buffer before
 * authenticating it, so each 4 MiB attachment chunk left a 4 MiB buffer of garbage, which the
 * browser collects at its own pace: an upload's memory grew with its speed (measured,
 * `npm run bench -- reports`). Here the message's whole 16-byte blocks go to the MAC's block
 * function where they lie, and only a tail shorter than a block goes through `update`.
 */

const TAG = 16;
const ZEROS = new Uint8Array(32);

/** Poly1305's block function: noble's own, not part of its typed surface. */
type BlockMac = { process(data: Uint8Array, offset: number): void };

/**
 * Whether this noble's Poly1305 has the block function and it agrees with `update` (checked once on
 * a fixed message): if a later version changed either, messages go through `update` (copied, as before).
 */
export const blocksInPlace: boolean = (() => {
  try {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
    const message = Uint8Array.from({ length: 48 }, (_, i) => i * 13 + 5);
    const direct = new Poly1305(key);
    for (let at = 0; at < message.length; at += 16) (direct as unknown as BlockMac).process(message, at);
    return constantTimeEqual(direct.digest(), new Poly1305(key).update(message).digest());
  } catch {
    return false;
  }
})();

/** Adds `bytes` and the zeros that pad them to a whole block (RFC 8439 §2.8). */
function macPadded(mac: Poly1305, bytes: Uint8Array): void {
  let at = 0;
  if (blocksInPlace) {
    const block = mac as unknown as BlockMac;
    for (; at + 16 <= bytes.length; at += 16) block.process(bytes, at);
  }
  if (at < bytes.length) mac.update(bytes.subarray(at));
  const pad = (16 - (bytes.length % 16)) % 16;
  if (pad > 0) mac.update(ZEROS.subarray(0, pad));
}

function tagOf(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  // The one-time MAC key is the first 32 bytes of the key stream (block 0).
  const macKey = xchacha20(key, nonce, ZEROS);
  const mac = new Poly1305(macKey);
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
