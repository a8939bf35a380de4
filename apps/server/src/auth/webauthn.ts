import type { AuthenticationResponse, RegistrationResponse } from '@llamenos/protocol';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Config } from '../config.js';
import { CHALLENGE_MINUTES } from './challenges.js';
import type { StoredPasskey } from './passkey-store.js';

/**
 * The WebAuthn ceremonies, as pure functions of the configuration: no storage here.
 * The relying party is the hotline's public origin (PUBLIC_URL), never the Host header.
 */

interface RelyingParty {
  id: string;
  origin: string;
}

export const relyingParty = (config: Pick<Config, 'PUBLIC_URL'>): RelyingParty => ({
  id: new URL(config.PUBLIC_URL).hostname,
  origin: config.PUBLIC_URL,
});

/** EdDSA, ES256, RS256: what platform and roaming authenticators offer. Options and verification use the same list. */
const ALGORITHMS = [-8, -7, -257];

/**
 * A passkey is the only factor of a sign-in, so the authenticator must verify the person
 * (PIN or biometric), not just their presence.
 */
const USER_VERIFICATION = 'required' as const;

const TIMEOUT_MS = CHALLENGE_MINUTES * 60_000;

/** The WebAuthn user handle: the user id's bytes, so a discoverable credential names its owner. */
export const userHandleOf = (userId: string) => new TextEncoder().encode(userId);

export function registrationOptions(
  rp: RelyingParty,
  rpName: string,
  user: { id: string; displayName: string },
  existing: { id: string; transports: string[] }[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName,
    rpID: rp.id,
    userID: userHandleOf(user.id),
    userName: user.displayName,
    userDisplayName: user.displayName,
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing,
    // Discoverable credentials let sign-in start without typing a name first.
    authenticatorSelection: { residentKey: 'required', userVerification: USER_VERIFICATION },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

/** What every response must match: the challenge we issued, our origin and RP id, a verified user. */
const expectations = (rp: RelyingParty, challenge: string) => ({
  expectedChallenge: challenge,
  expectedOrigin: rp.origin,
  expectedRPID: rp.id,
  requireUserVerification: true,
});

interface NewCredential {
  id: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
}

/** The verified credential, or null when the response does not verify against this challenge and origin. */
export async function verifyRegistration(
  rp: RelyingParty,
  challenge: string,
  response: RegistrationResponse,
): Promise<NewCredential | null> {
  try {
    const result = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      ...expectations(rp, challenge),
      supportedAlgorithmIDs: ALGORITHMS,
    });
    if (!result.verified) return null;
    const { credential } = result.registrationInfo;
    return {
      id: credential.id,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: response.response.transports ?? [],
    };
  } catch {
    return null;
  }
}

export function authenticationOptions(rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: [],
    timeout: TIMEOUT_MS,
    userVerification: USER_VERIFICATION,
  });
}

/**
 * Checks the assertion's challenge, origin, RP id, flags and signature. Returns the
 * authenticator's new signature counter, or null when the assertion does not verify.
 *
 * The library compares counters before it checks the signature; we give it counter 0 so that
 * comparison never fires, and compare ourselves afterwards (passkeys.ts), so a counter
 * regression is only reported for an assertion the credential really signed.
 */
export async function verifyAssertion(
  rp: RelyingParty,
  challenge: string,
  response: AuthenticationResponse,
  passkey: StoredPasskey,
): Promise<{ counter: number } | null> {
  try {
    const result = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      ...expectations(rp, challenge),
      credential: {
        id: passkey.id,
        publicKey: passkey.publicKey,
        counter: 0,
        transports: passkey.transports,
      },
    });
    return result.verified ? { counter: result.authenticationInfo.newCounter } : null;
  } catch {
    return null;
  }
}
