import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** Which PBKDF2 to run: the platform's native one (WebCrypto) or noble's pure-JS one (the fallback and benchmark baseline). */
export type Pbkdf2Engine = 'webcrypto' | 'noble';

/** PBKDF2-HMAC-SHA256 to 32 bytes. WebCrypto is several times faster, which matters at 600,000 iterations. */
export async function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  engine: Pbkdf2Engine = 'webcrypto',
): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (engine === 'noble' || !subtle) return pbkdf2Async(sha256, password, salt, { c: iterations, dkLen: 32 });
  const base = await subtle.importKey('raw', password as BufferSource, 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations },
    base,
    256,
  );
  return new Uint8Array(bits);
}
