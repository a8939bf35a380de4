import { createHmac, createPrivateKey, createSign, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * The two JSON Web Tokens Vonage's Voice API uses, written on node:crypto (no JWT library, so
 * that what is accepted is exactly what is written here):
 * - we sign: RS256 application tokens that authenticate our REST requests (claims
 *   application_id, iat, jti, exp), with the application's private key;
 * - we verify: HS256 tokens Vonage puts in the Authorization header of signed webhooks, keyed
 *   with the account's signature secret.
 */

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const json64 = (value: unknown) => b64url(JSON.stringify(value));

/** Vonage's default lifetime is 15 minutes; ours is shorter: a token lives for one request. */
const APPLICATION_TOKEN_TTL_SECONDS = 300;

interface ApplicationTokenOptions {
  applicationId: string;
  /** PEM, PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY"). */
  privateKey: string;
  nowSeconds?: number;
}

/** A fresh RS256 application token (a new jti each time, as Vonage asks). */
export function signApplicationToken(options: ApplicationTokenOptions): string {
  const iat = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const header = json64({ alg: 'RS256', typ: 'JWT' });
  const claims = json64({
    application_id: options.applicationId,
    iat,
    jti: randomUUID(),
    exp: iat + APPLICATION_TOKEN_TTL_SECONDS,
  });
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${claims}`);
  const signature = signer.sign(createPrivateKey(options.privateKey));
  return `${header}.${claims}.${b64url(signature)}`;
}

export type JwtClaims = Record<string, unknown>;

/** An HS256 token over `claims` (tests and the local fake sign webhooks with this). */
export function signHs256(claims: JwtClaims, secret: string, header: JwtClaims = {}): string {
  const signingInput = `${json64({ alg: 'HS256', typ: 'JWT', ...header })}.${json64(claims)}`;
  const mac = createHmac('sha256', secret).update(signingInput).digest();
  return `${signingInput}.${b64url(mac)}`;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function decodeJson(part: string): JwtClaims | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JwtClaims) : null;
  } catch {
    return null;
  }
}

/**
 * The claims of `token` if it is an HS256 JWT whose MAC under `secret` is right; null for
 * anything else. The header must say alg HS256: "none", RS256 (whose "public key" an attacker
 * could pass off as an HMAC key) and every other algorithm are refused before any MAC is made.
 * Time claims are the caller's to check.
 */
export function verifyHs256(token: string, secret: string): JwtClaims | null {
  if (!secret) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => B64URL.test(part))) return null;
  const [headerPart, claimsPart, macPart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  if (header?.alg !== 'HS256' || (header.typ !== undefined && header.typ !== 'JWT')) return null;
  const expected = createHmac('sha256', secret).update(`${headerPart}.${claimsPart}`).digest();
  const given = Buffer.from(macPart, 'base64url');
  // Lengths are public (32 bytes for SHA-256); the bytes are compared in constant time.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return decodeJson(claimsPart);
}
