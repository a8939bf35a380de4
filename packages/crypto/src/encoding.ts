import { base64, base64urlnopad, hex } from '@scure/base';
import { CryptoError, ensure } from './errors.js';

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the text: stripping it would make two byte strings decode alike.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** A string from UTF-8 bytes; rejects invalid UTF-8 instead of substituting characters, and keeps a leading BOM. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new CryptoError('MALFORMED', 'invalid UTF-8');
  }
}

/**
 * ASCII-only text rules, so that every implementation folds and trims alike: Unicode case
 * mapping and Unicode whitespace differ between runtimes and versions (U+0130, U+017F, U+00A0).
 * ASCII whitespace is U+0009–U+000D and U+0020.
 */
export const trimAsciiWhitespace = (text: string): string =>
  text.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '');

export const removeAsciiWhitespace = (text: string): string => text.replace(/[\t\n\v\f\r ]/g, '');

export const asciiLowercase = (text: string): string =>
  text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

export const asciiUppercase = (text: string): string =>
  text.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 32));

/** Lowercase hex of bytes. */
export const toHex = (bytes: Uint8Array): string => hex.encode(bytes);

/** Bytes from lowercase hex of an exact length; uppercase and odd lengths are non-canonical. */
export function fromHex(text: string, length: number, what = 'hex value'): Uint8Array {
  ensure(
    typeof text === 'string' && text.length === length * 2,
    'MALFORMED',
    `${what}: expected ${length * 2} hex characters`,
  );
  ensure(/^[0-9a-f]*$/.test(text), 'MALFORMED', `${what}: expected lowercase hex`);
  return hex.decode(text);
}

/** base64url without padding: the text form of every binary blob in the protocol. */
export const toBase64url = (bytes: Uint8Array): string => base64urlnopad.encode(bytes);

/** Bytes from unpadded base64url; rejects padding, other alphabets and non-canonical trailing bits. */
export function fromBase64url(text: string, what = 'base64url value'): Uint8Array {
  ensure(typeof text === 'string', 'MALFORMED', `${what}: expected a string`);
  try {
    return base64urlnopad.decode(text);
  } catch {
    throw new CryptoError('MALFORMED', `${what}: not canonical unpadded base64url`);
  }
}

/** Standard padded base64 (used only where NIP-98 requires it). */
export const toBase64 = (bytes: Uint8Array): string => base64.encode(bytes);

/** Bytes from standard padded base64. */
export function fromBase64(text: string, what = 'base64 value'): Uint8Array {
  try {
    return base64.decode(text);
  } catch {
    throw new CryptoError('MALFORMED', `${what}: not canonical base64`);
  }
}

/** Concatenation of byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** Concatenation of a list of byte arrays, however long (a download's chunks would overflow a spread). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Big-endian 16-bit unsigned integer. */
export function u16be(value: number): Uint8Array {
  ensure(Number.isInteger(value) && value >= 0 && value <= 0xffff, 'TOO_LARGE', 'value exceeds 16 bits');
  return new Uint8Array([value >>> 8, value & 0xff]);
}

/** Big-endian 32-bit unsigned integer. */
export function u32be(value: number): Uint8Array {
  ensure(Number.isInteger(value) && value >= 0 && value <= 0xffffffff, 'TOO_LARGE', 'value exceeds 32 bits');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

/** Reads a big-endian 32-bit unsigned integer at `offset`. */
export const readU32be = (bytes: Uint8Array, offset: number): number =>
  new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, false);

/** A string as u16be(length of its UTF-8 bytes) || bytes: unambiguous when several are concatenated. */
export const lengthPrefixed = (text: string): Uint8Array => lengthPrefixedList([text]);

/**
 * lengthPrefixed(texts[0]) || lengthPrefixed(texts[1]) || …, written into one buffer: a
 * request's MAC input is six of them on every request, and the pieces were most of its cost.
 */
export function lengthPrefixedList(texts: readonly string[]): Uint8Array {
  let room = 0;
  // A UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair, two units, is 4).
  for (const text of texts) room += 2 + 3 * text.length;
  const out = new Uint8Array(room);
  let offset = 0;
  for (const text of texts) {
    const { written } = encoder.encodeInto(text, out.subarray(offset + 2));
    ensure(written <= 0xffff, 'TOO_LARGE', 'value exceeds 16 bits');
    out[offset] = written >>> 8;
    out[offset + 1] = written & 0xff;
    offset += 2 + written;
  }
  return out.subarray(0, offset);
}

/** Compares two byte arrays in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Compares two strings (for example hex signatures) without an early exit on the first difference. */
export const constantTimeEqualText = (a: string, b: string): boolean => constantTimeEqual(utf8(a), utf8(b));
