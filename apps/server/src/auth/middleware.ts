import { createHash, createHmac } from 'node:crypto';
import {
  CryptoError,
  hashIp,
  type NostrEvent,
  REQUEST_KEY_SCHEME,
  requestKeyOf,
  type VerifiedAuth,
  verifyAuthHeader,
  verifyRequestKeyHeader,
} from '@llamenos/crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { unauthenticated } from '../domain/errors.js';
import type { AppEnv, AuthState, ServerContext } from '../http/context.js';
import { malformedReason } from '../realtime/verify.js';
import { clientIp } from './client-ip.js';
import { sessionTokenHash } from './sessions.js';
import { SignedRequestBatcher, standingOfSession } from './signed-requests.js';

/** verifyAuthHeader's message for a bad signature, for the check that now completes after it. */
const BAD_SIGNATURE = 'request signature refused: auth token signature or id is invalid';

/** HMAC-SHA256 natively (the same value as @noble/hashes'), a few times faster on a request's few bytes. */
const nativeHmacSha256 = (key: Uint8Array, message: Uint8Array): Uint8Array =>
  new Uint8Array(createHmac('sha256', key).update(message).digest());

/** SHA-256 of no bytes: the body hash of every GET. */
const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The received body's SHA-256 in lowercase hex, natively (the same value the protocol defines). */
const hashReceivedBody = (body: Uint8Array | string | undefined): string =>
  body === undefined || body.length === 0
    ? EMPTY_BODY_SHA256
    : createHash('sha256').update(body).digest('hex');

/**
 * The request target as it was on the request line, which is what a token signs (PROTOCOL.md
 * §5): the URL parser behind c.req.url resolves dot segments and drops an empty "?", so a token
 * for one target would pass for another spelling of it. @hono/node-server keeps the raw target
 * on the incoming message; under app.request (tests) there is no request line, and the Request
 * URL without its origin stands in. Null for anything but origin-form ("/path?query"): an
 * absolute-form target has already been normalised.
 */
function requestTarget(c: Context<AppEnv>): string | null {
  const incoming = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming;
  const target =
    typeof incoming?.url === 'string' ? incoming.url : c.req.url.slice(new URL(c.req.url).origin.length);
  return target.startsWith('/') ? target : null;
}

/** Sessions whose key this process remembers at most; past it the map starts again. */
const MAX_SESSION_KEYS = 10_000;

/**
 * The signer's own profile is what a client asks for most (every page load and status poll): the
 * statement that checks the credential reads it too, and the route answers from it.
 */
const wantsProfile = (c: Context<AppEnv>): boolean => c.req.method === 'GET' && c.req.path === '/api/me';

type ReceivedRequest = { url: string; method: string; body: Uint8Array };

/**
 * A NIP-98 header: shape, kind, ±60 s window, URL, method and body hash here; the id and
 * signature (the costly part, on the WASM engine) only taken aside, for the worker thread: the
 * token counts for nothing until that check has passed.
 */
async function verifyNip98(
  ctx: ServerContext,
  header: string,
  request: ReceivedRequest,
  nowSeconds: number,
  hashBody: (body: Uint8Array | string | undefined) => string,
): Promise<VerifiedAuth> {
  let verified: VerifiedAuth;
  let signed: NostrEvent | undefined;
  try {
    verified = verifyAuthHeader(
      header,
      request,
      nowSeconds,
      (event) => {
        // Lowercase hex of exact lengths first (request-signature.ts says why).
        if (malformedReason(event) !== null) return false;
        signed = event;
        return true;
      },
      hashBody,
    );
  } catch (error) {
    if (error instanceof CryptoError) throw unauthenticated(`request signature refused: ${error.message}`);
    throw error;
  }
  if (!signed || !(await ctx.signatures.verify(signed))) throw unauthenticated(BAD_SIGNATURE);
  return verified;
}

/** Request keys a process keeps at most; past it the map starts again (a hotline has far fewer). */
const MAX_REQUEST_KEYS = 10_000;

/** The keys this process derived, by key id (derivedRequestKeys). */
interface DerivedRequestKeys {
  /** The key for `keyId`: the one kept, or derived now. */
  keyOf(keyId: string): Uint8Array;
  /** Keeps the key keyOf derived last: call it only once a request's MAC under it was verified. */
  keepLast(): void;
}

/**
 * The request keys this process derived, by key id: a client sends one key id with every request
 * for ten minutes, so deriving its key again each time (an HMAC of the secret) is wasted. Kept
 * in memory only, as the secret they come from is, and only once a MAC under the key checked
 * out, so made-up key ids never displace a member's; an expired key is refused after the MAC.
 */
function derivedRequestKeys(secret: Uint8Array): DerivedRequestKeys {
  const keys = new Map<string, Uint8Array>();
  let last: { keyId: string; key: Uint8Array } | null = null;
  return {
    keyOf(keyId) {
      last = null;
      const kept = keys.get(keyId);
      if (kept) return kept;
      const key = requestKeyOf(secret, keyId, nativeHmacSha256);
      last = { keyId, key };
      return key;
    },
    keepLast() {
      if (!last) return;
      if (keys.size >= MAX_REQUEST_KEYS) keys.clear();
      keys.set(last.keyId, last.key);
      last = null;
    },
  };
}

/** A request-key header (PROTOCOL.md §5.4): an HMAC on this thread (two for a new key id), microseconds. */
function verifyRequestKey(
  ctx: ServerContext,
  keys: DerivedRequestKeys,
  header: string,
  request: ReceivedRequest,
  nowSeconds: number,
  hashBody: (body: Uint8Array | string | undefined) => string,
): VerifiedAuth {
  try {
    // Synchronous from keyOf to keepLast: no other request's key can come between them.
    const verified = verifyRequestKeyHeader(header, request, ctx.keys.requestKeySecret, nowSeconds, {
      hashBody,
      hmacSha256: nativeHmacSha256,
      requestKeyOf: keys.keyOf,
    });
    keys.keepLast();
    return verified;
  } catch (error) {
    if (error instanceof CryptoError) throw unauthenticated(`request key refused: ${error.message}`);
    throw error;
  }
}

/**
 * Establishes who is calling, for every /api request:
 * - `Authorization: Nostr <token>`: NIP-98, verified against PUBLIC_URL (never the Host header)
 *   followed by the raw request target, the method and the exact body bytes; the event id is then
 *   inserted into the replay cache, and a second use is refused. The insert and the reads of the
 *   signer's user, permissions and passkey standing are one statement, shared by the requests
 *   that arrive together; the signer's standing is read only when member_generation moved since
 *   this process last read it (signed-requests.ts).
 * - `Authorization: Llamenos-Key …`: a request key a NIP-98 request obtained (PROTOCOL.md
 *   §5.4): the same checks with an HMAC in place of the signature, the MAC as the replay id,
 *   and only for an active member.
 * - `Authorization: Bearer lls_…`: a passkey session, checked by one statement that also reads
 *   the member's standing unless kept for this member_generation (standingOfSession).
 * - nothing: anonymous; guards decide whether that is enough.
 * Provider webhooks (/api/telephony/…, /api/messaging/…) are always anonymous here: their Authorization header,
 * if any, is the provider's signature, checked by the route.
 * A present but invalid credential is always a 401, even on a public route.
 */
export function authenticate(ctx: ServerContext): MiddlewareHandler<AppEnv> {
  const signedRequests = new SignedRequestBatcher(ctx.db);
  const requestKeys = derivedRequestKeys(ctx.keys.requestKeySecret);
  // The key each session was opened for, which never changes: with it a session's member is
  // the kept one, checked against member_generation like a signer's (token hashes, not tokens).
  const sessionKeys = new Map<string, string>();
  // A change made on this process is announced here as soon as it commits; the statement's read of
  // member_generation would see it too, this only spares the kept standing one more use.
  ctx.events.on('members:changed', () => signedRequests.members.forget());
  return async (c, next) => {
    const header = c.req.header('authorization');
    let ipHash: string | undefined;
    const auth: AuthState = {
      pubkey: null,
      user: null,
      method: 'none',
      sessionId: null,
      // Hashed when first read (rate limits, audit entries): most requests never need it.
      get ipHash() {
        ipHash ??= hashIp(ctx.keys.hashKey, clientIp(c, ctx.config.TRUST_PROXY));
        return ipHash;
      },
      needsPasskey: false,
    };
    // Provider webhooks are public routes that check the provider's own signature, and Vonage
    // signs with `Authorization: Bearer <JWT>`: that header is the provider's, not a session.
    if (c.req.path.startsWith('/api/telephony/') || c.req.path.startsWith('/api/messaging/')) {
      c.set('auth', auth);
      return next();
    }
    const scheme = header?.startsWith('Nostr ')
      ? 'nip98'
      : header?.startsWith(`${REQUEST_KEY_SCHEME} `)
        ? 'request-key'
        : null;
    if (header && scheme) {
      const target = requestTarget(c);
      if (!target)
        throw unauthenticated('request signature refused: the request target must be a path ("/…?…")');
      const received = {
        url: `${ctx.config.PUBLIC_URL}${target}`,
        method: c.req.method,
        body: ['GET', 'HEAD'].includes(c.req.method)
          ? new Uint8Array(0)
          : new Uint8Array(await c.req.arrayBuffer()),
      };
      const nowSeconds = Math.floor(ctx.now().getTime() / 1000);
      let bodySha256: string | undefined;
      const hashBody = (body: Uint8Array | string | undefined) => {
        bodySha256 = hashReceivedBody(body);
        return bodySha256;
      };
      const verified =
        scheme === 'nip98'
          ? await verifyNip98(ctx, header, received, nowSeconds, hashBody)
          : verifyRequestKey(ctx, requestKeys, header, received, nowSeconds, hashBody);
      const standing = await signedRequests.standing({
        eventId: verified.eventId,
        pubkey: verified.pubkey,
        rememberUntil: new Date(verified.rememberUntil * 1000),
        withProfile: wantsProfile(c),
      });
      if (!standing.fresh)
        throw unauthenticated(
          scheme === 'nip98'
            ? 'request signature refused: this token was already used'
            : 'request key refused: this request was already made once',
        );
      // A request key was issued to a member: once they are not one, it is worth nothing.
      if (scheme === 'request-key' && !standing.user)
        throw unauthenticated('this account is no longer active');
      // The route may need the body's hash too (an upload chunk): it is not computed twice.
      if (bodySha256) c.set('bodySha256', bodySha256);
      auth.method = scheme;
      auth.pubkey = verified.pubkey;
      auth.user = standing.user;
      auth.needsPasskey = standing.needsPasskey;
      if (standing.profile) c.set('signerProfile', standing.profile);
    } else if (header?.startsWith('Bearer ')) {
      const tokenHash = sessionTokenHash(header.slice(7).trim());
      const session =
        tokenHash &&
        (await standingOfSession(ctx.db, tokenHash, ctx.now(), signedRequests.members, {
          pubkey: sessionKeys.get(tokenHash),
          withProfile: wantsProfile(c),
        }));
      if (!tokenHash || !session) throw unauthenticated('session expired or revoked; sign in again');
      if (!sessionKeys.has(tokenHash)) {
        if (sessionKeys.size >= MAX_SESSION_KEYS) sessionKeys.clear();
        sessionKeys.set(tokenHash, session.pubkey);
      }
      auth.method = 'session';
      auth.sessionId = session.sessionId;
      auth.pubkey = session.pubkey;
      auth.user = session.user;
      if (!auth.user) throw unauthenticated('this account is no longer active');
      auth.needsPasskey = session.needsPasskey;
      if (session.profile) c.set('signerProfile', session.profile);
    } else if (header) {
      throw unauthenticated(
        `unsupported Authorization scheme; use Nostr (NIP-98), ${REQUEST_KEY_SCHEME} or Bearer`,
      );
    }
    c.set('auth', auth);
    await next();
  };
}
