import { z } from 'zod';
import { textLine } from './text.js';

/**
 * Request bodies of the passkey (WebAuthn) and session routes. The WebAuthn responses are
 * the JSON forms browsers produce (PublicKeyCredential.toJSON()); the server checks their
 * cryptographic content, so these schemas only bound their shape and size.
 */

const base64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'base64url without padding');

/** A credential id as browsers send it (base64url); authenticators use at most 1023 bytes. */
const CredentialId = base64url(1400);

const Transports = z.array(z.string().min(1).max(32)).max(10);
const ExtensionResults = z.record(z.string(), z.unknown()).default({});

/** The fields every public-key credential has, around its registration or authentication response. */
const PublicKeyCredentialFields = {
  id: CredentialId,
  rawId: CredentialId,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: ExtensionResults,
};

export const RegistrationResponse = z.object({
  ...PublicKeyCredentialFields,
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(64 * 1024),
    authenticatorData: base64url(16 * 1024).optional(),
    transports: Transports.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(16 * 1024).optional(),
  }),
});
export type RegistrationResponse = z.infer<typeof RegistrationResponse>;

export const AuthenticationResponse = z.object({
  ...PublicKeyCredentialFields,
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(16 * 1024),
    signature: base64url(1024),
    userHandle: base64url(128).optional(),
  }),
});
export type AuthenticationResponse = z.infer<typeof AuthenticationResponse>;

/** The id the server gave with the options; the challenge itself never leaves the server's table except inside the options. */
const ChallengeId = z.uuid();

export const PasskeyRegisterVerifyBody = z
  .object({
    challengeId: ChallengeId,
    response: RegistrationResponse,
    label: textLine(64).optional(),
  })
  .strict();
export type PasskeyRegisterVerifyBody = z.infer<typeof PasskeyRegisterVerifyBody>;

export const LoginVerifyBody = z
  .object({
    challengeId: ChallengeId,
    response: AuthenticationResponse,
  })
  .strict();
export type LoginVerifyBody = z.infer<typeof LoginVerifyBody>;

export const PasskeyIdParams = z.object({ id: CredentialId });
export const UserIdParams = z.object({ id: z.string().min(1).max(64) });

/** What a successful passkey sign-in returns: a bearer token for `Authorization: Bearer`. */
export interface LoginResult {
  token: string;
  expiresAt: string;
  user: { id: string; pubkey: string };
}

export interface PasskeySummary {
  id: string;
  label: string;
  transports: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

export interface SessionSummary {
  id: string;
  createdAt: string;
  expiresAt: string;
  /** True for the session that made this request. */
  current: boolean;
}
