import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { asciiLowercase, concat, lengthPrefixed, toHex, trimAsciiWhitespace, utf8 } from './encoding.js';
import { ensure } from './errors.js';
import { LABEL_IP_HASH, LABEL_PHONE_HASH } from './labels.js';

/**
 * Phone numbers and IP addresses are stored only as HMAC-SHA256 under a server secret:
 * a plain hash of a phone number is reversed by trying every number.
 */

/** E.164 form of a phone number: '+' and 7–15 digits; ASCII whitespace, dots, dashes and brackets are dropped. */
export function normalizePhone(phone: string): string {
  const compact = phone.replace(/[\t\n\v\f\r ().-]/g, '');
  const e164 = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  ensure(
    /^\+[1-9]\d{6,14}$/.test(e164),
    'MALFORMED',
    'phone number must be in international form, e.g. +15551234567',
  );
  return e164;
}

/** The last four digits: the most of a caller's number that may appear in events, logs or the UI. */
export const phoneLast4 = (phone: string): string => normalizePhone(phone).slice(-4);

/** HMAC-SHA256(key, lp(label) || value), lowercase hex. */
export function keyedHash(secret: Uint8Array, label: string, value: string): string {
  ensure(secret.length >= 32, 'INVALID_KEY', 'hash secret must be at least 32 bytes');
  return toHex(hmac(sha256, secret, concat(lengthPrefixed(label), utf8(value))));
}

/** Keyed hash of a normalized phone number. */
export const hashPhone = (secret: Uint8Array, phone: string): string =>
  keyedHash(secret, LABEL_PHONE_HASH, normalizePhone(phone));

/** Keyed hash of an IP address as given by the socket: ASCII whitespace trimmed, A–Z lowercased, nothing else. */
export const hashIp = (secret: Uint8Array, ip: string): string =>
  keyedHash(secret, LABEL_IP_HASH, asciiLowercase(trimAsciiWhitespace(ip)));
