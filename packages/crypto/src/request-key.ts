import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  asciiUppercase,
  concat,
  constantTimeEqual,
  fromHex,
  lengthPrefixed,
  lengthPrefixedList,
  toHex,
  utf8,
} from './encoding.js';
import { ensure } from './errors.js';
import { LABEL_REQUEST_KEY, LABEL_REQUEST_MAC } from './labels.js';
import {
  AUTH_WINDOW_SECONDS,
  type AuthRequest,
  bodyHash,
  ensureSignable,
  isCanonicalAuthUrl,
  type SignedAuthRequest,
  type VerifiedAuth,
} from './nip98.js';
import { type RandomSource, secureRandom } from './random.js';

/**
 * Request keys (PROTOCOL.md §5.4). A NIP-98 request (one Schnorr signature) obtains a key that
 * lives ten minutes; the requests after it carry an HMAC-SHA256 under that key instead of a
 * signature each, which costs the client and the server microseconds instead of milliseconds.
 * The key is not stored anywhere: the server derives it again from its own secret and the key
 * id, which names the member's public key and the key's expiry, so every process of one hotline
 * accepts it and nothing about it can be changed without the server's secret.
 */
export const REQUEST_KEY_SCHEME = 'Llamenos-Key';
/** A request key's lifetime, from the request that obtained it. */
export const REQUEST_KEY_SECONDS = 600;

/** A key as issued: `key` is the client's secret, `keyId` says whose it is and until when. */
export interface RequestKey {
  /** `<pubkey hex>.<expiresAt>.<16 random bytes hex>` */
  keyId: string;
  /** 32 bytes: HMAC-SHA256(server request-key secret, lp(LABEL_REQUEST_KEY) || UTF-8(keyId)). */
  key: Uint8Array;
  /** Unix time in seconds after which the key is refused. */
  expiresAt: number;
}

/** What a server may pass for speed: each must compute the same value as the default. */
export interface RequestKeyVerifyOptions {
  /** The lowercase hex SHA-256 of the bytes received (a native hash). */
  hashBody?: (body: Uint8Array | string | undefined) => string;
  /** HMAC-SHA256 (a native one): on a server the two HMACs are most of this check's cost. */
  hmacSha256?: HmacSha256;
  /**
   * requestKeyOf(secret, keyId) as the server already knows it: a client sends the same key id
   * with every request for ten minutes, so a server may keep the keys it derived.
   */
  requestKeyOf?: (keyId: string) => Uint8Array;
}

/** What a credential says before it is checked. */
export interface ParsedRequestKeyHeader {
  keyId: string;
  pubkey: string;
  expiresAt: number;
  createdAt: number;
  nonce: string;
  mac: string;
}

const DECIMAL = '(0|[1-9][0-9]{0,11})';
const KEY_ID = `([0-9a-f]{64})\\.${DECIMAL}\\.[0-9a-f]{32}`;
const KEY_ID_ONLY = new RegExp(`^${KEY_ID}$`);
const CREDENTIAL = new RegExp(`^(${KEY_ID})\\.${DECIMAL}\\.([0-9a-f]{32})\\.([0-9a-f]{64})$`);

/** HMAC-SHA256 of `message` under `key`; a server may pass a native one (the same function). */
export type HmacSha256 = (key: Uint8Array, message: Uint8Array) => Uint8Array;
const nobleHmacSha256: HmacSha256 = (key, message) => hmac(sha256, key, message);

/** A time the credential's grammar can carry: a non-negative integer of at most 12 digits. */
function ensureUnixTime(now: number): void {
  ensure(
    Number.isSafeInteger(now) && now >= 0 && now < 1e12,
    'MALFORMED',
    'a time must be whole seconds ≥ 0',
  );
}

/** The key a server derives for `keyId` from its request-key secret (server-keys.ts). */
export function requestKeyOf(
  serverRequestSecret: Uint8Array,
  keyId: string,
  hmacSha256: HmacSha256 = nobleHmacSha256,
): Uint8Array {
  ensure(serverRequestSecret.length >= 32, 'INVALID_KEY', 'request-key secret must be at least 32 bytes');
  return hmacSha256(serverRequestSecret, concat(lengthPrefixed(LABEL_REQUEST_KEY), utf8(keyId)));
}

/** A new key for `pubkey` (lowercase hex), valid for REQUEST_KEY_SECONDS from `now`. */
export function issueRequestKey(
  serverRequestSecret: Uint8Array,
  pubkey: string,
  now: number = Math.floor(Date.now() / 1000),
  random: RandomSource = secureRandom,
): RequestKey {
  ensure(/^[0-9a-f]{64}$/.test(pubkey), 'MALFORMED', 'a public key must be 64 lowercase hex characters');
  ensureUnixTime(now);
  const expiresAt = now + REQUEST_KEY_SECONDS;
  const keyId = `${pubkey}.${expiresAt}.${toHex(random(16))}`;
  return { keyId, key: requestKeyOf(serverRequestSecret, keyId), expiresAt };
}

/** HMAC-SHA256(key, lp(LABEL_REQUEST_MAC) || lp(METHOD) || lp(url) || lp(bodyHash) || lp(createdAt) || lp(nonce)). */
export function requestMac(
  key: Uint8Array,
  fields: { method: string; url: string; bodySha256: string; createdAt: number; nonce: string },
  hmacSha256: HmacSha256 = nobleHmacSha256,
): Uint8Array {
  ensure(key.length === 32, 'INVALID_KEY', 'a request key is 32 bytes');
  return hmacSha256(
    key,
    lengthPrefixedList([
      LABEL_REQUEST_MAC,
      asciiUppercase(fields.method),
      fields.url,
      fields.bodySha256,
      String(fields.createdAt),
      fields.nonce,
    ]),
  );
}

/** The Authorization header value for one request under a request key. */
export function createRequestKeyHeader(
  request: SignedAuthRequest,
  requestKey: Pick<RequestKey, 'keyId' | 'key'>,
  now: number = Math.floor(Date.now() / 1000),
  random: RandomSource = secureRandom,
): string {
  ensureSignable(request);
  ensureUnixTime(now);
  ensure(KEY_ID_ONLY.test(requestKey.keyId), 'MALFORMED', 'a key id is <pubkey>.<expires>.<key nonce>');
  const nonce = toHex(random(16));
  const mac = requestMac(requestKey.key, {
    method: request.method,
    url: request.url,
    bodySha256: request.bodySha256 ?? bodyHash(request.body),
    createdAt: now,
    nonce,
  });
  return `${REQUEST_KEY_SCHEME} ${requestKey.keyId}.${now}.${nonce}.${toHex(mac)}`;
}

/** Splits a header into its fields, checking only their form. */
export function parseRequestKeyHeader(header: string): ParsedRequestKeyHeader {
  ensure(
    typeof header === 'string' && header.startsWith(`${REQUEST_KEY_SCHEME} `),
    'AUTH_INVALID',
    `expected "Authorization: ${REQUEST_KEY_SCHEME} <credential>"`,
  );
  const parts = CREDENTIAL.exec(header.slice(REQUEST_KEY_SCHEME.length + 1));
  ensure(
    parts !== null,
    'AUTH_INVALID',
    'request key credential must be <pubkey>.<expires>.<key nonce>.<created>.<nonce>.<mac>',
  );
  return {
    keyId: parts[1]!,
    pubkey: parts[2]!,
    expiresAt: Number(parts[3]),
    createdAt: Number(parts[4]),
    nonce: parts[5]!,
    mac: parts[6]!,
  };
}

/**
 * Checks a request-key header against the request the server received, in order: form, URL
 * canonical, MAC (which binds the key id, method, URL, body hash, time and nonce, so a request
 * changed in any of them fails here), key expiry, then the ±60 s window. The caller must then
 * refuse a MAC it has seen before (the replay cache, as for a NIP-98 event id).
 */
export function verifyRequestKeyHeader(
  header: string,
  request: AuthRequest,
  serverRequestSecret: Uint8Array,
  now: number = Math.floor(Date.now() / 1000),
  options: RequestKeyVerifyOptions = {},
): VerifiedAuth {
  const parsed = parseRequestKeyHeader(header);
  ensure(
    isCanonicalAuthUrl(request.url),
    'AUTH_INVALID',
    'request URL must be http(s), RFC 3986 characters only, without fragment or dot segments',
  );
  const hashBody = options.hashBody ?? bodyHash;
  const hmacSha256 = options.hmacSha256 ?? nobleHmacSha256;
  const expected = requestMac(
    options.requestKeyOf?.(parsed.keyId) ?? requestKeyOf(serverRequestSecret, parsed.keyId, hmacSha256),
    {
      method: request.method,
      url: request.url,
      bodySha256: hashBody(request.body),
      createdAt: parsed.createdAt,
      nonce: parsed.nonce,
    },
    hmacSha256,
  );
  ensure(
    constantTimeEqual(expected, fromHex(parsed.mac, 32)),
    'AUTH_INVALID',
    'request key MAC is invalid (another key, or another URL, method or body)',
  );
  ensure(now <= parsed.expiresAt, 'AUTH_EXPIRED', 'request key has expired; ask for a new one');
  ensure(
    Math.abs(now - parsed.createdAt) <= AUTH_WINDOW_SECONDS,
    'AUTH_EXPIRED',
    'request is outside the 60-second window',
  );
  return {
    pubkey: parsed.pubkey,
    eventId: parsed.mac,
    createdAt: parsed.createdAt,
    rememberUntil: parsed.createdAt + AUTH_WINDOW_SECONDS,
  };
}
