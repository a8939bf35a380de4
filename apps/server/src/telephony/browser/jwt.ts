import { createHmac, createPrivateKey, createSign } from 'node:crypto';

/**
 * The JSON Web Tokens browser SDKs take, written on node:crypto (no JWT library): HS256 under a
 * shared secret (Twilio, Plivo) or RS256 under a private key (Vonage). Each provider's file sets
 * the header and claims its SDK expects.
 */
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export type SigningKey = { hs256: string } | { rs256: string };

export function signJwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: SigningKey,
): string {
  const alg = 'hs256' in key ? 'HS256' : 'RS256';
  const input = `${part({ alg, typ: 'JWT', ...header })}.${part(claims)}`;
  const signature =
    'hs256' in key
      ? createHmac('sha256', key.hs256).update(input).digest()
      : createSign('RSA-SHA256').update(input).sign(createPrivateKey(key.rs256));
  return `${input}.${signature.toString('base64url')}`;
}
