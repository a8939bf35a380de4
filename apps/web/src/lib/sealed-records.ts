import {
  CryptoError,
  decryptContent,
  fromBase64url,
  toBase64url,
  unwrapKeyAs,
  wrapKey,
} from '@llamenos/crypto';

/**
 * Opening a record sealed for this member and re-wrapping its key for someone else (PROTOCOL.md
 * §9), as the notes and conversations workers run them: plain functions of the reader's keys, so
 * they are tested in Node. Every record key is zeroed as soon as it has been used.
 */

/** The reader: their secret key and its public key (computed once per session, not per record). */
export interface Reader {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Where a record's key wrap and content are bound: their two labels and the record's id. */
export interface SealedContext {
  labels: { wrap: string; content: string };
  recordId: string;
}

/**
 * Unwraps the record's key with the reader's own wrap and decrypts its content; `read` gets the
 * plaintext, which is zeroed after. Null when the wrap or the ciphertext does not authenticate
 * (or is not base64url); any other error is a bug and is thrown.
 */
export function openOwnWrap<T>(
  reader: Reader,
  context: SealedContext,
  sealed: { ciphertext: string; wrap: string },
  read: (plain: Uint8Array) => T,
): { value: T } | null {
  const { labels, recordId } = context;
  let key: Uint8Array | null = null;
  try {
    key = unwrapKeyAs(fromBase64url(sealed.wrap, 'wrap'), reader.secretKey, reader.publicKey, {
      label: labels.wrap,
      recordId,
    });
    const plain = decryptContent(key, fromBase64url(sealed.ciphertext, 'ciphertext'), {
      label: labels.content,
      recordId,
    });
    try {
      return { value: read(plain) };
    } finally {
      plain.fill(0);
    }
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    return null;
  } finally {
    key?.fill(0);
  }
}

/**
 * The record key unwrapped with the reader's own wrap and wrapped for `recipient` under the same
 * label and record id; null when the reader's wrap does not authenticate.
 */
export function rewrapOwnWrap(
  reader: Reader,
  wrap: string,
  recipient: string,
  context: { label: string; recordId: string },
): string | null {
  let key: Uint8Array | null = null;
  try {
    key = unwrapKeyAs(fromBase64url(wrap, 'wrap'), reader.secretKey, reader.publicKey, context);
    return toBase64url(wrapKey(key, recipient, context));
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    return null;
  } finally {
    key?.fill(0);
  }
}
