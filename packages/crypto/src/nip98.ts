import { sha256 } from '@noble/hashes/sha2.js';
import {
  asciiUppercase,
  fromBase64,
  fromUtf8,
  toBase64,
  toHex,
  trimAsciiWhitespace,
  utf8,
} from './encoding.js';
import { CryptoError, ensure } from './errors.js';
import { type NostrEvent, signEvent, verifyEvent } from './nostr-event.js';
import { type RandomSource, secureRandom } from './random.js';

/**
 * HTTP request authentication per NIP-98: a kind-27235 event signed by the user's key,
 * sent as `Authorization: Nostr <base64(event JSON)>`. It binds the absolute URL (with
 * query), the method and the SHA-256 of the body (of the empty body too: no unbound form),
 * plus a random nonce tag so two identical requests in one second still differ. The event
 * id is the replay nonce the server remembers for the window.
 */
export const HTTP_AUTH_KIND = 27235;
export const AUTH_WINDOW_SECONDS = 60;
export const AUTH_SCHEME = 'Nostr';
const MAX_TOKEN_BYTES = 8192;

export interface AuthRequest {
  /** Absolute URL exactly as sent: the server's origin + the request target as on the request line. */
  url: string;
  method: string;
  body?: Uint8Array | string;
}

/** What a client signs: a request, or one whose body it has hashed already. */
export interface SignedAuthRequest extends AuthRequest {
  /**
   * The body's SHA-256, lowercase hex, when the signer has it already (an upload's chunk,
   * hashed with WebCrypto in its worker): `body` is then not hashed again. Only for signing:
   * verification always hashes the body it received.
   */
  bodySha256?: string;
}

/** The lowercase hex SHA-256 of a request body (of zero bytes when there is none). */
export const bodyHash = (body: Uint8Array | string | undefined): string =>
  toHex(sha256(typeof body === 'string' ? utf8(body) : (body ?? new Uint8Array(0))));

/** What a client may sign, NIP-98 or under a request key: a canonical URL, a well-formed body hash. */
export function ensureSignable(request: SignedAuthRequest): void {
  ensure(
    isCanonicalAuthUrl(request.url),
    'MALFORMED',
    'auth URL must be http(s), percent-encoded, without fragment or dot segments',
  );
  ensure(
    request.bodySha256 === undefined || /^[0-9a-f]{64}$/.test(request.bodySha256),
    'MALFORMED',
    'a body hash must be 64 lowercase hex characters',
  );
}

/** The Authorization header value for one request. */
export function createAuthHeader(
  request: SignedAuthRequest,
  secretKey: Uint8Array,
  now: number = Math.floor(Date.now() / 1000),
  random: RandomSource = secureRandom,
): string {
  ensureSignable(request);
  const event = signEvent(
    {
      kind: HTTP_AUTH_KIND,
      created_at: now,
      content: '',
      tags: [
        ['u', request.url],
        ['method', asciiUppercase(request.method)],
        ['payload', request.bodySha256 ?? bodyHash(request.body)],
        ['nonce', toHex(random(16))],
      ],
    },
    secretKey,
    random,
  );
  return `${AUTH_SCHEME} ${toBase64(utf8(JSON.stringify(event)))}`;
}

/** What a verified token proves, and how long its id must be remembered to refuse a replay. */
export interface VerifiedAuth {
  pubkey: string;
  eventId: string;
  createdAt: number;
  /** Unix time after which the token is refused anyway, so the replay cache may forget it. */
  rememberUntil: number;
}

const EVENT_KEYS = ['content', 'created_at', 'id', 'kind', 'pubkey', 'sig', 'tags'].join();
const TAG_ORDER = ['u', 'method', 'payload', 'nonce'] as const;

/** NIP-01 fields with their types, and no other key: an extra key would be unsigned data riding along. */
function isEventShape(value: unknown): value is NostrEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const e = value as Record<string, unknown>;
  return (
    Object.keys(e).sort().join() === EVENT_KEYS &&
    typeof e.id === 'string' &&
    typeof e.pubkey === 'string' &&
    typeof e.sig === 'string' &&
    typeof e.content === 'string' &&
    Number.isSafeInteger(e.kind) &&
    Number.isSafeInteger(e.created_at) &&
    Array.isArray(e.tags) &&
    e.tags.every((t) => Array.isArray(t) && t.every((x) => typeof x === 'string'))
  );
}

/** Exactly [["u",…],["method",…],["payload",…],["nonce",…]], in that order, two strings each. */
function hasExactTags(event: NostrEvent): boolean {
  return (
    event.tags.length === TAG_ORDER.length &&
    event.tags.every((t, i) => t.length === 2 && t[0] === TAG_ORDER[i])
  );
}

const tagValue = (event: NostrEvent, name: (typeof TAG_ORDER)[number]): string =>
  event.tags[TAG_ORDER.indexOf(name)]![1]!;

/** Characters RFC 3986 allows in a URI, without "#": what an HTTP request line can carry. */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?[\]@!$&'()*+,;=%]*$/;

/**
 * A URL a token may name: http(s), RFC 3986 characters only, every "%" a full escape, no
 * fragment, and no "." or ".." path segment (plain or percent-encoded), since a server or proxy
 * that resolves them would route the request to another path than the one signed.
 */
export function isCanonicalAuthUrl(url: string): boolean {
  const parts = /^https?:\/\/[^/?#]+(\/[^?#]*)?(\?[^#]*)?$/.exec(url);
  if (!parts || !URI_CHARACTERS.test(url) || /%(?![0-9A-Fa-f]{2})/.test(url)) return false;
  return !(parts[1] ?? '').split('/').some((segment) => {
    const decoded = segment.replace(/%2e/gi, '.');
    return decoded === '.' || decoded === '..';
  });
}

/** Parses the header without checking it: for logging which key tried, never for trusting it. */
export function parseAuthHeader(header: string): NostrEvent {
  ensure(
    typeof header === 'string' && header.startsWith(`${AUTH_SCHEME} `),
    'AUTH_INVALID',
    'expected "Authorization: Nostr <token>"',
  );
  const token = trimAsciiWhitespace(header.slice(AUTH_SCHEME.length + 1));
  ensure(token.length > 0 && token.length <= MAX_TOKEN_BYTES, 'AUTH_INVALID', 'auth token empty or too long');
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(fromBase64(token)));
  } catch {
    throw new CryptoError('AUTH_INVALID', 'auth token is not base64 JSON');
  }
  ensure(
    isEventShape(parsed),
    'AUTH_INVALID',
    'auth token must be a Nostr event with exactly the NIP-01 keys',
  );
  ensure(parsed.content === '', 'AUTH_INVALID', 'auth token content must be empty');
  ensure(
    hasExactTags(parsed),
    'AUTH_INVALID',
    'auth token needs exactly the tags u, method, payload, nonce, in this order, one value each',
  );
  ensure(
    /^[0-9a-f]{32}$/.test(tagValue(parsed, 'nonce')),
    'AUTH_INVALID',
    'auth token nonce must be 16 bytes of lowercase hex',
  );
  return parsed;
}

/**
 * Verifies a NIP-98 header for the request the server actually received. Checks, in order:
 * shape (exact keys, empty content, the four tags), kind, signature and id, time window
 * (±60 s), URL (canonical, then byte for byte), method, body hash. The caller must then refuse
 * an event id it has seen before (replay cache).
 */
export function verifyAuthHeader(
  header: string,
  request: AuthRequest,
  now: number = Math.floor(Date.now() / 1000),
  // A server may pass a faster engine for the same check (id hash and BIP-340 signature).
  verifySignature: (event: NostrEvent) => boolean = verifyEvent,
  // …and for the body's SHA-256 (lowercase hex) of the bytes it received: a native hash is
  // about ten times faster than this package's on a 4 MiB upload chunk.
  hashBody: (body: Uint8Array | string | undefined) => string = bodyHash,
): VerifiedAuth {
  const event = parseAuthHeader(header);
  ensure(event.kind === HTTP_AUTH_KIND, 'AUTH_INVALID', `auth token must be kind ${HTTP_AUTH_KIND}`);
  ensure(verifySignature(event), 'AUTH_INVALID', 'auth token signature or id is invalid');
  ensure(
    Math.abs(now - event.created_at) <= AUTH_WINDOW_SECONDS,
    'AUTH_EXPIRED',
    'auth token is outside the 60-second window',
  );
  const url = tagValue(event, 'u');
  ensure(
    isCanonicalAuthUrl(url),
    'AUTH_INVALID',
    'auth token URL must be http(s), RFC 3986 characters only, without fragment or dot segments',
  );
  ensure(url === request.url, 'AUTH_MISMATCH', 'auth token was made for another URL');
  ensure(
    tagValue(event, 'method') === asciiUppercase(request.method),
    'AUTH_MISMATCH',
    'auth token was made for another method',
  );
  ensure(
    tagValue(event, 'payload') === hashBody(request.body),
    'AUTH_MISMATCH',
    'auth token was made for another body',
  );
  return {
    pubkey: event.pubkey,
    eventId: event.id,
    createdAt: event.created_at,
    rememberUntil: event.created_at + AUTH_WINDOW_SECONDS,
  };
}
