import {
  LoginResultSchema,
  PasskeyCeremonyStart,
  PasskeyListResponse,
  RevokedSessionsResponse,
  SessionListResponse,
} from '@llamenos/protocol';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { z } from 'zod';
import { request, requestVoid } from './http.js';

/** Passkeys and sessions: the auth routes as the web client uses them. */

/**
 * The WebAuthn options are handed to the browser, which checks them itself; here only their
 * outline is checked (an object with a challenge), and the library's type names what it is.
 */
const isCeremonyOptions = (value: unknown) => PasskeyCeremonyStart.shape.options.safeParse(value).success;
const LoginStart = PasskeyCeremonyStart.extend({
  options: z.custom<PublicKeyCredentialRequestOptionsJSON>(isCeremonyOptions),
});
const RegistrationStart = PasskeyCeremonyStart.extend({
  options: z.custom<PublicKeyCredentialCreationOptionsJSON>(isCeremonyOptions),
});

export const startPasskeyLogin = () => request(LoginStart, 'POST', '/api/auth/login/options');

export const finishPasskeyLogin = (challengeId: string, response: AuthenticationResponseJSON) =>
  request(LoginResultSchema, 'POST', '/api/auth/login/verify', { challengeId, response });

/** Ends the passkey session on the server. */
export const logout = () => requestVoid('POST', '/api/auth/logout');

export const fetchPasskeys = async () =>
  (await request(PasskeyListResponse, 'GET', '/api/auth/passkeys')).passkeys;

export const startPasskeyRegistration = () =>
  request(RegistrationStart, 'POST', '/api/auth/passkeys/register/options');

export const finishPasskeyRegistration = (
  challengeId: string,
  response: RegistrationResponseJSON,
  label: string,
) => requestVoid('POST', '/api/auth/passkeys/register/verify', { challengeId, response, label });

export const removePasskey = (id: string) => requestVoid('DELETE', `/api/auth/passkeys/${id}`);

export const fetchSessions = async () =>
  (await request(SessionListResponse, 'GET', '/api/auth/sessions')).sessions;

/** Ends every other session of the member; answers how many ended. */
export const revokeOtherSessions = async () =>
  (await request(RevokedSessionsResponse, 'POST', '/api/auth/sessions/revoke-all')).revoked;
