import { sha256 } from '@noble/hashes/sha2.js';
import { concat, fromHex, lengthPrefixed, toHex, utf8 } from './encoding.js';
import { CryptoError, ensure } from './errors.js';
import { LABEL_AUDIT_CHAIN } from './labels.js';

/** A value the audit chain can hash: JSON without floating point, so every implementation serializes it alike. */
export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | CanonicalValue[]
  | { [key: string]: CanonicalValue };

/** Hash of "no previous entry": 32 zero bytes. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, strings as
 * JSON.stringify writes them, numbers only as safe integers. Undefined values are an error,
 * not silently dropped.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    ensure(Number.isSafeInteger(value), 'MALFORMED', 'canonical JSON allows only safe integers');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  throw new CryptoError('MALFORMED', `canonical JSON cannot hold ${typeof value}`);
}

/** Entry hash: SHA-256(lp(LABEL_AUDIT_CHAIN) || previous hash (32 bytes) || UTF-8 canonical JSON of the entry), hex. */
export function auditEntryHash(previousHash: string, entry: CanonicalValue): string {
  const previous = fromHex(previousHash, 32, 'previous audit hash');
  return toHex(sha256(concat(lengthPrefixed(LABEL_AUDIT_CHAIN), previous, utf8(canonicalJson(entry)))));
}

/** Result of walking a chain: ok, or the first entry whose link is broken. */
export type ChainVerdict = { ok: true; count: number } | { ok: false; brokenAt: number; reason: string };

/**
 * Re-hashes a chain in the order given and reports the first entry whose seq does not
 * increase, or whose stored hash or back-link is wrong. Entries out of order are refused, not
 * sorted: the caller reads them in seq order, so disorder means the input is not the log.
 */
export function verifyAuditChain(
  entries: Iterable<{ seq: number; previousHash: string; hash: string; entry: CanonicalValue }>,
): ChainVerdict {
  let expectedPrevious = AUDIT_GENESIS_HASH;
  let previousSeq = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (const e of entries) {
    if (!(e.seq > previousSeq))
      return { ok: false, brokenAt: e.seq, reason: 'entries out of sequence order' };
    previousSeq = e.seq;
    if (e.previousHash !== expectedPrevious)
      return { ok: false, brokenAt: e.seq, reason: 'previous-hash link broken' };
    if (auditEntryHash(e.previousHash, e.entry) !== e.hash)
      return { ok: false, brokenAt: e.seq, reason: 'entry hash mismatch' };
    expectedPrevious = e.hash;
    count++;
  }
  return { ok: true, count };
}
