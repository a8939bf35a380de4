import { z } from 'zod';

/**
 * What `POST /api/calls/browser-credential` answers: for every telephony provider of the hotline
 * that can ring a volunteer's browser, a short-lived credential for that provider's browser SDK
 * (docs/CALLS.md, "Browser calling per provider"). The volunteer is named to the provider by an
 * opaque identity derived from their user id, never by a name or a phone number.
 */

/** No credential outlives an hour: a leaked one is worth little, and the app asks again before. */
export const BROWSER_CREDENTIAL_MAX_SECONDS = 3600;

/** "v" and 24 lowercase hex digits: the volunteer's identity at every provider. */
export const BrowserIdentity = z.string().regex(/^v[0-9a-f]{24}$/, 'a browser calling identity');

/** A JWT as the SDKs take it: three base64url parts. */
const Jwt = z
  .string()
  .max(8192)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'a JSON Web Token');

/** Twilio Voice JS SDK, Plivo browser SDK, Vonage Client SDK. */
export const BrowserTokenCredentialSchema = z
  .object({
    provider: z.enum(['twilio', 'plivo', 'vonage']),
    identity: BrowserIdentity,
    token: Jwt,
    expiresAt: z.string(),
  })
  .strict();

/**
 * SignalWire's RELAY browser SDK (`@signalwire/js` 1.x): its `blade.connect` names the project
 * beside the JWT, and the SDK refuses to start without it. The project id is not secret (it is
 * the user name of the API's basic auth, whose token stays on the server).
 */
export const BrowserSignalWireCredentialSchema = z
  .object({
    provider: z.literal('signalwire'),
    identity: BrowserIdentity,
    token: Jwt,
    project: z.uuid('a SignalWire project id (a UUID)'),
    expiresAt: z.string(),
  })
  .strict();

/** Asterisk: SIP over a secure WebSocket to the volunteer's own PJSIP endpoint (JsSIP). */
export const BrowserSipCredentialSchema = z
  .object({
    provider: z.literal('asterisk'),
    identity: BrowserIdentity,
    /** wss:// URL of Asterisk's WebSocket transport, as browsers reach it. */
    webSocketUrl: z.string().regex(/^wss:\/\/\S+$/, 'a wss:// URL'),
    /** sip:<identity>@<domain>: the address to REGISTER. */
    sipUri: z.string().regex(/^sip:v[0-9a-f]{24}@[A-Za-z0-9.-]+$/, 'a SIP address'),
    /** Digest username (the identity) and a random password, replaced at every issue. */
    username: BrowserIdentity,
    password: z.string().regex(/^[0-9a-f]{32,64}$/),
    expiresAt: z.string(),
  })
  .strict();

export const BrowserCredentialSchema = z.union([
  BrowserTokenCredentialSchema,
  BrowserSignalWireCredentialSchema,
  BrowserSipCredentialSchema,
]);
export type BrowserCredential = z.infer<typeof BrowserCredentialSchema>;

export const BrowserCredentialsResponseSchema = z
  .object({ credentials: z.array(BrowserCredentialSchema).min(1) })
  .strict();
export type BrowserCredentialsResponse = z.infer<typeof BrowserCredentialsResponseSchema>;
