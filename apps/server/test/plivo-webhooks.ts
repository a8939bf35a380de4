import { createHmac, randomBytes } from 'node:crypto';

/**
 * Plays Plivo for router tests: a form POST with X-Plivo-Signature-V3 and its nonce, as Plivo
 * signs callbacks: base64 HMAC-SHA256 under the auth token of
 *   <url without query>?<query params sorted, "k=v" joined by "&">[.]<body params sorted, "kv" concatenated>.<nonce>
 * (the "." between query and body only when there is a query). Written independently of the
 * adapter's verifier, so the two cannot share a mistake.
 */

/** A Plivo account for tests (the auth token fresh per test run). */
export const TEST_PLIVO = { authId: 'MAZDQ1ZJIYMDZKMTU2NZ', authToken: randomBytes(16).toString('hex') };

const sortPairs = (pairs: [string, string][]) =>
  [...pairs].sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1));

export function plivoSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  nonce: string,
) {
  const [base, rawQuery = ''] = url.split('?', 2) as [string, string?];
  const query = sortPairs([...new URLSearchParams(rawQuery).entries()])
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const body = sortPairs(Object.entries(params))
    .map(([k, v]) => `${k}${v}`)
    .join('');
  const signed = body ? `${base}?${query}${query ? '.' : ''}${body}` : query ? `${base}?${query}` : base;
  return createHmac('sha256', authToken).update(`${signed}.${nonce}`).digest('base64');
}

/** The request init of a Plivo webhook to `url`, signed under `authToken` (null: unsigned). */
export function plivoRequest(
  authToken: string | null,
  url: string,
  params: Record<string, string>,
  extra: Record<string, string> = {},
): RequestInit {
  const nonce = randomBytes(10).toString('hex');
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (authToken) {
    headers['x-plivo-signature-v3'] = plivoSignature(authToken, url, params, nonce);
    headers['x-plivo-signature-v3-nonce'] = nonce;
  }
  return { method: 'POST', headers: { ...headers, ...extra }, body: new URLSearchParams(params).toString() };
}

/** Plivo's fields of an inbound call `callUuid` from `from` to `to` (E.164; Plivo drops the "+"). */
export const plivoInboundFields = (callUuid: string, from: string, to: string) => ({
  CallUUID: callUuid,
  From: from.slice(1),
  To: to.slice(1),
  Direction: 'inbound',
  CallStatus: 'ringing',
});

/** Plivo's fields about call `id` on a later step: its status, the digits pressed, when given. */
export const plivoCallFields = (id: string, more: { status?: string; digits?: string } = {}) => ({
  CallUUID: id,
  ...(more.status ? { CallStatus: more.status } : {}),
  ...(more.digits !== undefined ? { Digits: more.digits } : {}),
});
