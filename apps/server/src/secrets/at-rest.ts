import { decryptContent, encryptContent, fromBase64url, fromUtf8, toBase64url, utf8 } from '@llamenos/crypto';

/**
 * Server-side encryption of values the server must be able to read back (volunteer phone
 * numbers, provider credentials) under a key derived from SERVER_SECRET. A database dump
 * alone does not reveal them. `recordId` binds each value to its row so values cannot be
 * swapped between rows.
 */
export const sealAtRest = (key: Uint8Array, label: string, recordId: string, value: string): string =>
  toBase64url(encryptContent(key, utf8(value), { label, recordId }));

export const openAtRest = (key: Uint8Array, label: string, recordId: string, sealed: string): string =>
  fromUtf8(decryptContent(key, fromBase64url(sealed), { label, recordId }));
