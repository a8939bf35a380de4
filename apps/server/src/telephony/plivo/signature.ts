import { createHmac } from 'node:crypto';
import { constantTimeEqualText } from '@llamenos/crypto';
import type { WebhookRequest } from '../provider.js';

/**
 * Plivo's X-Plivo-Signature-V3 (https://www.plivo.com/docs/voice/concepts/signature-validation,
 * https://docs.plivo.com/docs/voice/xml/request/validation):
 *   base64(HMAC-SHA256(auth token, signed URL + "." + X-Plivo-Signature-V3-Nonce))
 * where the signed URL is built the way Plivo's SDKs build it:
 * - scheme://host[:port]/path, then the query parameters (decoded) sorted by name, repeated
 *   names by value, as "?name=value&…";
 * - a POST with body parameters appends them too: "?" + the sorted query (possibly empty),
 *   "." if there was a query, then name+value of each body parameter, sorted, with no
 *   separators; a POST without body parameters signs like a GET.
 * The header may carry several signatures separated by commas (around key rotation); the
 * request is valid if any matches. Plivo also sends X-Plivo-Signature-Ma-V3, the same thing
 * under the main account's token; either header is accepted under our one token.
 */
const PLIVO_SIGNATURE_HEADER = 'x-plivo-signature-v3';
const PLIVO_MAIN_ACCOUNT_SIGNATURE_HEADER = 'x-plivo-signature-ma-v3';
const PLIVO_NONCE_HEADER = 'x-plivo-signature-v3-nonce';

type Pairs = [string, string][];

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Groups pairs by name; names and each name's values sorted (code-unit order, as the SDKs do). */
function sortedGroups(pairs: Pairs): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const [name, value] of pairs) groups.set(name, [...(groups.get(name) ?? []), value]);
  return [...groups.entries()]
    .sort(([a], [b]) => byName(a, b))
    .map(([name, values]) => [name, values.sort(byName)]);
}

/**
 * The URL Plivo signs for `url` (query included) and the POST parameters `body`. The URL is
 * split by hand rather than through `new URL`, which would normalize the path ("/a/../b",
 * percent-encoding) away from what Plivo requested and signed.
 */
export function plivoSignedUrl(method: string, url: string, body: Pairs): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(?:\?([^#]*))?/i.exec(url);
  if (!match) throw new Error('not an absolute URL');
  const [, origin, path, rawQuery] = match as unknown as [string, string, string, string | undefined];
  const query = sortedGroups([...new URLSearchParams(rawQuery ?? '').entries()])
    .flatMap(([name, values]) => values.map((value) => `${name}=${value}`))
    .join('&');
  const base = `${origin}${path}`;
  const withBody = method === 'POST' && body.length > 0;
  if (!withBody) return query.length > 0 ? `${base}?${query}` : base;
  const params = sortedGroups(body).flatMap(([name, values]) => values.map((value) => name + value));
  return `${base}?${query}${query.length > 0 ? '.' : ''}${params.join('')}`;
}

export function plivoV3Signature(authToken: string, signedUrl: string, nonce: string): string {
  return createHmac('sha256', authToken).update(`${signedUrl}.${nonce}`, 'utf8').digest('base64');
}

/**
 * True only when a signature header holds a signature, under `authToken`, of this request's
 * exact URL, body parameters and nonce. Fails closed: no token, no nonce, no header → false.
 */
export function verifyPlivoWebhook(authToken: string | null | undefined, request: WebhookRequest): boolean {
  if (!authToken) return false;
  const nonce = request.headers.get(PLIVO_NONCE_HEADER);
  if (!nonce) return false;
  const given = [PLIVO_SIGNATURE_HEADER, PLIVO_MAIN_ACCOUNT_SIGNATURE_HEADER]
    .map((name) => request.headers.get(name))
    .filter((value): value is string => value !== null)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
  if (given.length === 0) return false;
  let expected: string;
  try {
    expected = plivoV3Signature(
      authToken,
      plivoSignedUrl(request.method, request.publicUrl, [...request.form]),
      nonce,
    );
  } catch {
    return false;
  }
  let valid = false;
  for (const signature of given) if (constantTimeEqualText(signature, expected)) valid = true;
  return valid;
}
