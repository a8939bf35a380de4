import { z } from 'zod';
import type { LoginResult, PasskeySummary, SessionSummary } from '../auth.js';

/** Answers of the passkey and session routes, as the web client checks them on arrival. */

/** `POST /api/auth/login/verify`. */
export const LoginResultSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ id: z.string(), pubkey: z.string() }),
}) satisfies z.ZodType<LoginResult>;

export const PasskeySummarySchema = z.object({
  id: z.string(),
  label: z.string(),
  transports: z.array(z.string()),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
}) satisfies z.ZodType<PasskeySummary>;

/** `GET /api/auth/passkeys`. */
export const PasskeyListResponse = z.object({ passkeys: z.array(PasskeySummarySchema) });

export const SessionSummarySchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  current: z.boolean(),
}) satisfies z.ZodType<SessionSummary>;

/** `GET /api/auth/sessions`. */
export const SessionListResponse = z.object({ sessions: z.array(SessionSummarySchema) });

/** `POST /api/auth/sessions/revoke-all`: how many other sessions ended. */
export const RevokedSessionsResponse = z.object({ revoked: z.number().int() });

/**
 * `POST /api/auth/passkeys/register/options` and `/api/auth/login/options`: a challenge id and
 * the WebAuthn options for the browser, which checks them itself (only their outline is
 * checked here; the options' own types live with the WebAuthn library of each client).
 */
export const PasskeyCeremonyStart = z.object({
  challengeId: z.string(),
  options: z.looseObject({ challenge: z.string() }),
});

/**
 * `POST /api/auth/request-key` (PROTOCOL.md §5.4): a key for the requests that follow, in place
 * of a signature each. `expiresIn` is the lifetime in seconds, for a client whose clock is off.
 */
export const RequestKeyResponse = z.object({
  keyId: z.string().regex(/^[0-9a-f]{64}\.(0|[1-9][0-9]{0,11})\.[0-9a-f]{32}$/),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  expiresAt: z.number().int(),
  expiresIn: z.number().int().positive(),
});
