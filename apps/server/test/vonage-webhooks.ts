import { createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

/**
 * Plays Vonage for router tests: a signed webhook as Vonage's Voice API sends it with signed
 * callbacks on. The body is JSON; `Authorization: Bearer <JWT>` is an HS256 token keyed with the
 * account's signature secret whose claims bind the body through `payload_hash` (hex SHA-256 of
 * the exact bytes sent). Written here on node:crypto rather than with the adapter's own JWT
 * code, so a mistake in the verifier cannot be mirrored by the signer.
 */
export interface VonageSigner {
  signatureSecret: string;
  apiKey: string;
  applicationId: string;
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function vonageToken(
  signer: VonageSigner,
  body: string | Uint8Array,
  options: { iat?: number; secret?: string; payloadHash?: string } = {},
): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = b64url(
    JSON.stringify({
      iat: options.iat ?? Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      iss: 'Vonage',
      payload_hash: options.payloadHash ?? createHash('sha256').update(body).digest('hex'),
      api_key: signer.apiKey,
      application_id: signer.applicationId,
    }),
  );
  const mac = createHmac('sha256', options.secret ?? signer.signatureSecret)
    .update(`${header}.${claims}`)
    .digest();
  return `${header}.${claims}.${b64url(mac)}`;
}

/** The request init of a signed Vonage webhook carrying `payload` (headers `extra` override). */
export function vonageRequest(
  signer: VonageSigner | null,
  payload: Record<string, unknown>,
  extra: Record<string, string> = {},
): RequestInit {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signer) headers.authorization = `Bearer ${vonageToken(signer, body)}`;
  return { method: 'POST', headers: { ...headers, ...extra }, body };
}

/**
 * A fresh Vonage account for tests, and the public half of its application key (what the fake
 * Vonage API checks the adapter's JWTs with).
 */
export function testVonageAccount() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const credentials = {
    apiKey: 'a1b2c3d4',
    apiSecret: randomBytes(8).toString('hex'),
    applicationId: randomUUID(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    signatureSecret: randomBytes(16).toString('hex'),
  };
  return { credentials, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Vonage's fields of an inbound call `uuid` from `from` to `to` (E.164; Vonage drops the "+"). */
export const vonageInboundFields = (uuid: string, from: string, to: string) => ({
  uuid,
  conversation_uuid: `CON-${randomUUID()}`,
  from: from.slice(1),
  to: to.slice(1),
});

/** Vonage's fields about call `id` on a later step: its status, the digits pressed, when given. */
export const vonageCallFields = (id: string, more: { status?: string; digits?: string } = {}) => ({
  uuid: id,
  ...(more.status ? { status: more.status } : {}),
  ...(more.digits !== undefined ? { dtmf: { digits: more.digits, timed_out: false } } : {}),
});
