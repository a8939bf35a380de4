import { createHash } from 'node:crypto';
import { constantTimeEqualText } from '@llamenos/crypto';
import type { WebhookRequest } from '../provider.js';
import { type JwtClaims, verifyHs256 } from './jwt.js';

/**
 * Vonage signed webhooks (Voice API "signed_callbacks"; the same scheme as the Messages API):
 * the request carries `Authorization: Bearer <JWT>`, an HS256 token keyed with the account's
 * signature secret, whose claims include `iat` and `payload_hash`, the hex SHA-256 of the
 * payload. Sources:
 * - https://developer.vonage.com/en/getting-started/concepts/webhooks#decoding-signed-webhooks
 * - https://developer.vonage.com/en/messages/concepts/signed-webhooks
 * - https://api.support.vonage.com/hc/en-us/articles/19033783342876 (payload_hash: for a POST,
 *   the JSON body; for a GET, the query parameters as a JSON object, in their order, no spaces).
 *   A POST's hash is compared with the SHA-256 of the body's bytes as received, never of a
 *   re-serialization: the bytes are what Vonage hashed and what we act on, and serializing a
 *   parsed body walks whatever structure the sender chose (5,000 levels exhausted the stack).
 * This is not the SMS API's `sig` parameter (an MD5/SHA digest over sorted parameters), which
 * voice webhooks do not carry.
 *
 * Checked here, all of them, failing closed: a signature secret is configured; the header is
 * a Bearer JWT with alg HS256 whose MAC is right; iat is within five minutes of now (and exp,
 * if present, has not passed); api_key / application_id, when present, are ours; and
 * payload_hash equals the hash of what we received.
 */
interface VonageWebhookKeys {
  signatureSecret: string | null | undefined;
  /** Our API key; a token naming another account's key is refused. */
  apiKey?: string;
  /** Our application; a token naming another application is refused. */
  applicationId?: string;
}

/** How far iat may be from our clock, either way (clock skew plus Vonage's retries). */
const MAX_TOKEN_AGE_SECONDS = 300;

const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** Every hash of this request's payload that Vonage's documented construction can give. */
function payloadHashes(request: WebhookRequest): string[] {
  if (request.method === 'GET') {
    const query = new URL(request.publicUrl).searchParams;
    const asJson = JSON.stringify(Object.fromEntries(query));
    // A GET without parameters: "{}" by the support article, "" by the plain hash of the body.
    return [...query.keys()].length === 0 ? [sha256Hex(asJson), sha256Hex('')] : [sha256Hex(asJson)];
  }
  return [sha256Hex(request.rawBody)];
}

function bearerToken(request: WebhookRequest): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '');
  return match ? match[1]! : null;
}

function timeIsValid(claims: JwtClaims, nowSeconds: number): boolean {
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return false;
  if (Math.abs(nowSeconds - iat) > MAX_TOKEN_AGE_SECONDS) return false;
  return exp === undefined || (typeof exp === 'number' && exp >= nowSeconds);
}

function sameOptional(claim: unknown, ours: string | undefined): boolean {
  if (claim === undefined || ours === undefined) return true;
  return typeof claim === 'string' && constantTimeEqualText(claim, ours);
}

export function verifyVonageWebhook(
  keys: VonageWebhookKeys,
  request: WebhookRequest,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (!keys.signatureSecret) return false;
  const token = bearerToken(request);
  if (!token) return false;
  const claims = verifyHs256(token, keys.signatureSecret);
  if (!claims || !timeIsValid(claims, nowSeconds)) return false;
  if (!sameOptional(claims.api_key, keys.apiKey) || !sameOptional(claims.application_id, keys.applicationId))
    return false;
  const claimed = claims.payload_hash;
  if (typeof claimed !== 'string' || !/^[0-9a-fA-F]{64}$/.test(claimed)) return false;
  let matched = false;
  for (const hash of payloadHashes(request)) {
    if (constantTimeEqualText(hash, claimed.toLowerCase())) matched = true;
  }
  return matched;
}
