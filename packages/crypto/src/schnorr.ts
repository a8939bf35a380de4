import { schnorr } from '@noble/curves/secp256k1.js';
import { assertSecretKey } from './keys.js';
import { type RandomSource, secureRandom } from './random.js';

/** BIP-340 signature (64 bytes) of `message` with fresh auxiliary randomness. */
export function signSchnorr(
  message: Uint8Array,
  secretKey: Uint8Array,
  random: RandomSource = secureRandom,
): Uint8Array {
  assertSecretKey(secretKey);
  return schnorr.sign(message, secretKey, random(32));
}

/** True only for a valid BIP-340 signature; malformed keys or signatures give false, never a throw. */
export function verifySchnorr(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return schnorr.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
