import { createHash, createHmac } from 'node:crypto';
import { constantTimeEqualText } from '@llamenos/crypto';
import type { WebhookRequest } from '../provider.js';

/**
 * Twilio's webhook signature (X-Twilio-Signature), as Twilio documents it:
 *   base64(HMAC-SHA1(auth token, URL + for each POST parameter sorted by name: name + value))
 * - the URL is the full URL Twilio requested, query string included;
 * - form POSTs append their body parameters (decoded), sorted by name; a repeated name is
 *   appended once per value, values sorted; GET requests sign the URL alone;
 * - JSON bodies are not appended: the URL carries bodySHA256 = hex SHA-256 of the raw body,
 *   which must match, and the URL (including it) is signed;
 * - Twilio signs the URL either with or without the scheme's default port (":443", ":80"),
 *   so both forms are tried.
 * SignalWire's compatibility API uses the same construction with its signing key.
 */

type Params = Iterable<readonly [string, string]>;

/** What follows the URL in the signed string: each parameter's name and value, sorted. */
function paramsSuffix(params: Params): string {
  const sorted = [...params].sort(([ka, va], [kb, vb]) =>
    ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0,
  );
  return sorted.reduce((acc, [key, value]) => acc + key + value, '');
}

/** The signature of `url` followed by a parameters' suffix: both URL forms share one suffix. */
const signedWith = (secret: string, url: string, suffix: string): string =>
  createHmac('sha1', secret)
    .update(url + suffix, 'utf8')
    .digest('base64');

/** The signature Twilio would send for this URL and these parameters. */
export function twilioSignature(authToken: string, url: string, params: Params = []): string {
  return signedWith(authToken, url, paramsSuffix(params));
}

export const bodySha256Hex = (body: Uint8Array | string): string =>
  createHash('sha256').update(body).digest('hex');

const DEFAULT_PORT: Record<string, string> = { 'https://': ':443', 'http://': ':80' };

/**
 * The URL as given, and the other form of its default port: without ":443" if it has it,
 * with it if it has none. A non-default port is never removed: it is part of where we listen.
 * The URL is split by hand, not through `new URL`, which would re-encode the path and query.
 */
export function portVariants(url: string): string[] {
  const match = /^(https?:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const port = DEFAULT_PORT[scheme.toLowerCase()]!;
  const hostEnd = authority.lastIndexOf(']') + 1;
  const colon = authority.indexOf(':', hostEnd);
  if (colon === -1) return [url, `${scheme}${authority}${port}${rest}`];
  if (authority.slice(colon) === port) return [url, `${scheme}${authority.slice(0, colon)}${rest}`];
  return [url];
}

/** What the signature of this request covers besides the URL, or null if the body hash is wrong. */
function signedParams(request: WebhookRequest): Params | null {
  let claimedHash: string | null = null;
  try {
    claimedHash = new URL(request.publicUrl).searchParams.get('bodySHA256');
  } catch {
    return null;
  }
  if (claimedHash !== null) {
    // The body is bound through its hash; nothing is appended.
    return constantTimeEqualText(bodySha256Hex(request.rawBody), claimedHash.toLowerCase()) ? [] : null;
  }
  return request.method === 'POST' ? request.form : [];
}

/**
 * Checks `signature` (a header value) for `request` under `secret`. Fails closed: an empty
 * secret, a missing signature, a wrong body hash or any mismatch is false. Comparison is in
 * constant time; every URL form is computed and compared.
 */
export function verifyTwilioStyleSignature(
  secret: string | null | undefined,
  signature: string | null | undefined,
  request: WebhookRequest,
): boolean {
  if (!secret || !signature) return false;
  const params = signedParams(request);
  if (params === null) return false;
  const suffix = paramsSuffix(params);
  let valid = false;
  for (const url of portVariants(request.publicUrl)) {
    if (constantTimeEqualText(signedWith(secret, url, suffix), signature)) valid = true;
  }
  return valid;
}

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

/** Twilio's check: the X-Twilio-Signature header under the account's auth token. */
export const verifyTwilioWebhook = (authToken: string | null | undefined, request: WebhookRequest): boolean =>
  verifyTwilioStyleSignature(authToken, request.headers.get(TWILIO_SIGNATURE_HEADER), request);
