import type { LoginResult } from '@llamenos/protocol';
import { expect } from 'vitest';
import { PUBLIC_URL, type TestHotline, type TestUser } from './helpers.js';
import { type CeremonyOverrides, SoftwareAuthenticator } from './webauthn-authenticator.js';

/** The two-request passkey ceremonies as the web client runs them, with a software authenticator. */

/** Registers a new passkey for `user` (NIP-98-signed requests) and returns the raw verify response. */
export async function registerPasskey(
  h: TestHotline,
  user: TestUser,
  authenticator = new SoftwareAuthenticator(PUBLIC_URL),
  overrides: CeremonyOverrides & { label?: string } = {},
): Promise<{ authenticator: SoftwareAuthenticator; res: Response }> {
  const start = await h.request('POST', '/api/auth/passkeys/register/options', { as: user });
  expect(start.status).toBe(200);
  const { challengeId, options } = await start.json();
  const response = authenticator.register(options, overrides);
  const res = await h.request('POST', '/api/auth/passkeys/register/verify', {
    as: user,
    body: { challengeId, response, ...(overrides.label ? { label: overrides.label } : {}) },
  });
  return { authenticator, res };
}

/** Registers a passkey and asserts it worked. */
export async function withPasskey(h: TestHotline, user: TestUser): Promise<SoftwareAuthenticator> {
  const { authenticator, res } = await registerPasskey(h, user);
  expect(res.status).toBe(201);
  return authenticator;
}

/** Fetches sign-in options (anonymously) and answers them with `authenticator`. */
export async function attemptLogin(
  h: TestHotline,
  authenticator: SoftwareAuthenticator,
  overrides: CeremonyOverrides = {},
): Promise<Response> {
  const start = await h.request('POST', '/api/auth/login/options');
  expect(start.status).toBe(200);
  const { challengeId, options } = await start.json();
  const response = authenticator.authenticate(options, overrides);
  return h.request('POST', '/api/auth/login/verify', { body: { challengeId, response } });
}

/** Signs in and asserts it worked. */
export async function login(h: TestHotline, authenticator: SoftwareAuthenticator): Promise<LoginResult> {
  const res = await attemptLogin(h, authenticator);
  expect(res.status).toBe(200);
  return res.json();
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
