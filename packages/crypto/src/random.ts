import { randomBytes } from '@noble/hashes/utils.js';

/** A source of random bytes. Production uses the platform CSPRNG; test vectors inject fixed bytes. */
export type RandomSource = (length: number) => Uint8Array;

/** The platform's cryptographically secure generator (WebCrypto getRandomValues). */
export const secureRandom: RandomSource = (length) => randomBytes(length);
