import { decryptContent, encryptContent } from './content.js';
import { unwrapKeyAs, wrapKey } from './ecies.js';
import { fromBase64url, toBase64url, toHex } from './encoding.js';
import { CryptoError, ensure } from './errors.js';
import { getPublicKeyBytes, parsePublicKey } from './keys.js';
import type { Purpose } from './labels.js';
import { type RandomSource, secureRandom } from './random.js';

/** Version of the sealed-envelope JSON shape. */
export const ENVELOPE_VERSION = 1;
/** More readers than this is a mistake, not a hotline. */
export const MAX_READERS = 1000;

/** One reader's copy of the object key. */
export interface ReaderWrap {
  /** x-only public key of the reader, lowercase hex. */
  reader: string;
  /** base64url of the key wrap (see ecies.ts). */
  wrap: string;
}

/** An object encrypted once and readable by each listed reader: what the server stores for a note. */
export interface SealedEnvelope {
  v: typeof ENVELOPE_VERSION;
  /** base64url of the content ciphertext (see content.ts). */
  ciphertext: string;
  wraps: ReaderWrap[];
}

export interface SealContext {
  purpose: Purpose;
  recordId: string;
}

/**
 * Encrypts `plaintext` once under a fresh random key and wraps that key for every reader
 * (for a note: its author and every admin). Duplicate readers are wrapped once.
 */
export function sealForReaders(
  plaintext: Uint8Array,
  readers: readonly string[],
  ctx: SealContext,
  random: RandomSource = secureRandom,
): SealedEnvelope {
  const unique = [...new Set(readers)];
  ensure(unique.length > 0, 'MALFORMED', 'at least one reader is required');
  ensure(unique.length <= MAX_READERS, 'TOO_LARGE', `more than ${MAX_READERS} readers`);
  for (const reader of unique) parsePublicKey(reader);
  const key = random(32);
  try {
    const ciphertext = encryptContent(
      key,
      plaintext,
      { label: ctx.purpose.content, recordId: ctx.recordId },
      random,
    );
    const wraps = unique.map((reader) => ({
      reader,
      wrap: toBase64url(wrapKey(key, reader, { label: ctx.purpose.wrap, recordId: ctx.recordId }, random)),
    }));
    return { v: ENVELOPE_VERSION, ciphertext: toBase64url(ciphertext), wraps };
  } finally {
    key.fill(0);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What opening checks of an envelope read from storage or the network (PROTOCOL.md §9): an
 * object; `v` exactly 1; `ciphertext` a string; `wraps` an array of objects whose `reader` and
 * `wrap` are strings. Other fields are ignored; readers other than the caller are not parsed.
 */
function ensureEnvelopeShape(envelope: unknown): asserts envelope is SealedEnvelope {
  ensure(isObject(envelope), 'MALFORMED', 'envelope must be a JSON object');
  ensure(
    envelope.v === ENVELOPE_VERSION,
    'UNSUPPORTED_VERSION',
    `envelope version ${String(envelope.v)} is not supported`,
  );
  ensure(typeof envelope.ciphertext === 'string', 'MALFORMED', 'envelope ciphertext must be a string');
  ensure(
    Array.isArray(envelope.wraps) &&
      envelope.wraps.every((w) => isObject(w) && typeof w.reader === 'string' && typeof w.wrap === 'string'),
    'MALFORMED',
    'envelope wraps must be a list of {reader, wrap} strings',
  );
}

/** Finds the caller's wrap and unwraps the object key. */
export function unwrapReaderKey(
  envelope: SealedEnvelope,
  secretKey: Uint8Array,
  ctx: SealContext,
): Uint8Array {
  ensureEnvelopeShape(envelope);
  // One base-point multiplication serves both the lookup and the wrap's associated data.
  const meBytes = getPublicKeyBytes(secretKey);
  const me = toHex(meBytes);
  const mine = envelope.wraps.find((w) => w.reader === me);
  if (!mine) throw new CryptoError('DECRYPT_FAILED', 'this object was not shared with your key');
  return unwrapKeyAs(fromBase64url(mine.wrap, 'wrap'), secretKey, meBytes, {
    label: ctx.purpose.wrap,
    recordId: ctx.recordId,
  });
}

/** Opens an envelope with the caller's secret key. */
export function openAsReader(envelope: SealedEnvelope, secretKey: Uint8Array, ctx: SealContext): Uint8Array {
  const key = unwrapReaderKey(envelope, secretKey, ctx);
  try {
    return decryptContent(key, fromBase64url(envelope.ciphertext, 'ciphertext'), {
      label: ctx.purpose.content,
      recordId: ctx.recordId,
    });
  } finally {
    key.fill(0);
  }
}

/**
 * Grants a new reader access: an existing reader unwraps the object key and wraps it for
 * `newReader`. The content is not re-encrypted; the returned wrap is added beside the others.
 */
export function wrapForNewReader(
  envelope: SealedEnvelope,
  secretKey: Uint8Array,
  newReader: string,
  ctx: SealContext,
  random: RandomSource = secureRandom,
): ReaderWrap {
  const key = unwrapReaderKey(envelope, secretKey, ctx);
  try {
    return {
      reader: newReader,
      wrap: toBase64url(wrapKey(key, newReader, { label: ctx.purpose.wrap, recordId: ctx.recordId }, random)),
    };
  } finally {
    key.fill(0);
  }
}
