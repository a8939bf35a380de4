import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64, fromUtf8, toBase64, toHex, utf8 } from './encoding.js';
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
  /** Absolute URL exactly as the server will reconstruct it: origin + path + query. */
  url: string;
  method: string;
  body?: Uint8Array | string;
}

const bodyHash = (body: Uint8Array | string | undefined): string =>
  toHex(sha256(typeof body === 'string' ? utf8(body) : (body ?? new Uint8Array(0))));

/** The Authorization header value for one request. */
export function createAuthHeader(
  request: AuthRequest,
  secretKey: Uint8Array,
  now: number = Math.floor(Date.now() / 1000),
  random: RandomSource = secureRandom,
): string {
  const event = signEvent(
    {
      kind: HTTP_AUTH_KIND,
      created_at: now,
      content: '',
      tags: [
        ['u', request.url],
        ['method', request.method.toUpperCase()],
        ['payload', bodyHash(request.body)],
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

function isEventShape(value: unknown): value is NostrEvent {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
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

function singleTag(event: NostrEvent, name: string): string {
  const found = event.tags.filter((t) => t[0] === name);
  ensure(
    found.length === 1 && found[0]!.length >= 2,
    'AUTH_INVALID',
    `auth token needs exactly one "${name}" tag`,
  );
  return found[0]![1]!;
}

/** Parses the header without checking it: for logging which key tried, never for trusting it. */
export function parseAuthHeader(header: string): NostrEvent {
  ensure(
    typeof header === 'string' && header.startsWith(`${AUTH_SCHEME} `),
    'AUTH_INVALID',
    'expected "Authorization: Nostr <token>"',
  );
  const token = header.slice(AUTH_SCHEME.length + 1).trim();
  ensure(token.length > 0 && token.length <= MAX_TOKEN_BYTES, 'AUTH_INVALID', 'auth token empty or too long');
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(fromBase64(token)));
  } catch {
    throw new CryptoError('AUTH_INVALID', 'auth token is not base64 JSON');
  }
  ensure(isEventShape(parsed), 'AUTH_INVALID', 'auth token is not a Nostr event');
  return parsed;
}

/**
 * Verifies a NIP-98 header for the request the server actually received. Checks, in order:
 * shape, kind, signature and id, time window (±60 s), URL, method, body hash. The caller
 * must then refuse an event id it has seen before (replay cache).
 */
export function verifyAuthHeader(
  header: string,
  request: AuthRequest,
  now: number = Math.floor(Date.now() / 1000),
): VerifiedAuth {
  const event = parseAuthHeader(header);
  ensure(event.kind === HTTP_AUTH_KIND, 'AUTH_INVALID', `auth token must be kind ${HTTP_AUTH_KIND}`);
  ensure(verifyEvent(event), 'AUTH_INVALID', 'auth token signature or id is invalid');
  ensure(
    Math.abs(now - event.created_at) <= AUTH_WINDOW_SECONDS,
    'AUTH_EXPIRED',
    'auth token is outside the 60-second window',
  );
  ensure(singleTag(event, 'u') === request.url, 'AUTH_MISMATCH', 'auth token was made for another URL');
  ensure(
    singleTag(event, 'method') === request.method.toUpperCase(),
    'AUTH_MISMATCH',
    'auth token was made for another method',
  );
  ensure(
    singleTag(event, 'payload') === bodyHash(request.body),
    'AUTH_MISMATCH',
    'auth token was made for another body',
  );
  singleTag(event, 'nonce');
  return {
    pubkey: event.pubkey,
    eventId: event.id,
    createdAt: event.created_at,
    rememberUntil: event.created_at + AUTH_WINDOW_SECONDS,
  };
}
