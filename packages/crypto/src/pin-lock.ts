import { concat, readU32be, u32be, utf8 } from './encoding.js';
import { ensure } from './errors.js';
import { openSecretKey, sealSecretKey } from './key-lock.js';
import { assertSecretKey, getPublicKeyBytes, keyIdOf } from './keys.js';
import { LABEL_PIN_LOCK } from './labels.js';
import { type Pbkdf2Engine, pbkdf2Sha256 } from './pbkdf2.js';
import { type RandomSource, secureRandom } from './random.js';

/**
 * The secret key at rest on a device, locked by the volunteer's PIN:
 * version (1) || iterations u32be (4) || salt (16) || key id (16) || nonce (24) || sealed key (48).
 * A short PIN is weak against an offline attacker who copies this blob; the iteration count
 * only slows them. The threat model says so.
 */
export const PIN_LOCK_VERSION = 1;
export const PIN_LOCK_LENGTH = 1 + 4 + 16 + 16 + 24 + 48;
export const MIN_PIN_ITERATIONS = 600_000;
export const MAX_PIN_ITERATIONS = 10_000_000;
export const MIN_PIN_LENGTH = 4;
export const MAX_PIN_LENGTH = 128;

/** The PIN as PBKDF2 password bytes: Unicode NFKC, then UTF-8, so the same PIN typed on any keyboard matches. */
export function pinBytes(pin: string): Uint8Array {
  const normalized = pin.normalize('NFKC');
  ensure(
    normalized.length >= MIN_PIN_LENGTH && normalized.length <= MAX_PIN_LENGTH,
    'MALFORMED',
    `PIN must be ${MIN_PIN_LENGTH} to ${MAX_PIN_LENGTH} characters`,
  );
  return utf8(normalized);
}

export interface PinLockOptions {
  iterations?: number;
  random?: RandomSource;
  engine?: Pbkdf2Engine;
}

/** Locks a secret key under a PIN. */
export async function lockWithPin(
  secretKey: Uint8Array,
  pin: string,
  options: PinLockOptions = {},
): Promise<Uint8Array> {
  const { iterations = MIN_PIN_ITERATIONS, random = secureRandom, engine } = options;
  assertSecretKey(secretKey);
  ensure(
    Number.isInteger(iterations) && iterations >= MIN_PIN_ITERATIONS && iterations <= MAX_PIN_ITERATIONS,
    'MALFORMED',
    `iterations must be between ${MIN_PIN_ITERATIONS} and ${MAX_PIN_ITERATIONS}`,
  );
  const salt = random(16);
  const keyId = keyIdOf(getPublicKeyBytes(secretKey));
  const head = concat(new Uint8Array([PIN_LOCK_VERSION]), u32be(iterations), salt, keyId);
  const kek = await pbkdf2Sha256(pinBytes(pin), salt, iterations, engine);
  return sealSecretKey(kek, LABEL_PIN_LOCK, head, random(24), secretKey);
}

/** Reads the public fields of a PIN lock without the PIN. */
export function inspectPinLock(blob: Uint8Array): { iterations: number; keyId: Uint8Array } {
  ensure(blob.length >= 1, 'MALFORMED', 'empty PIN lock');
  ensure(blob[0] === PIN_LOCK_VERSION, 'UNSUPPORTED_VERSION', `PIN lock version ${blob[0]} is not supported`);
  ensure(blob.length === PIN_LOCK_LENGTH, 'MALFORMED', `PIN lock must be ${PIN_LOCK_LENGTH} bytes`);
  const iterations = readU32be(blob, 1);
  // A lowered count would be a downgrade; a huge one a denial of service on the device.
  ensure(
    iterations >= MIN_PIN_ITERATIONS && iterations <= MAX_PIN_ITERATIONS,
    'MALFORMED',
    'PIN lock iteration count out of range',
  );
  return { iterations, keyId: blob.slice(21, 37) };
}

/** Opens a PIN lock; WRONG_PIN if the PIN is wrong or the blob was altered (the two cannot be told apart). */
export async function unlockWithPin(
  blob: Uint8Array,
  pin: string,
  engine?: Pbkdf2Engine,
): Promise<Uint8Array> {
  const { iterations, keyId } = inspectPinLock(blob);
  const kek = await pbkdf2Sha256(pinBytes(pin), blob.subarray(5, 21), iterations, engine);
  return openSecretKey(kek, LABEL_PIN_LOCK, blob, 37, keyId, {
    wrong: { code: 'WRONG_PIN', message: 'wrong PIN' },
    mismatch: 'PIN lock key id does not match its key',
  });
}
