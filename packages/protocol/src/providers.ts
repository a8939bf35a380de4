import { z } from 'zod';
import { credentialSecret, CredentialIdentifier as Identifier, PlivoAuthId } from './primitives.js';

/**
 * Telephony provider credentials as an admin enters them. The server stores each provider's
 * object sealed at rest and never returns a secret field: reads show it masked (see
 * `PROVIDER_FIELDS` and `MaskedSecret`).
 */

/** A number in E.164 form: "+", a country code not starting with 0, 8 to 15 digits in all. */
export const E164 = z
  .string()
  .regex(/^\+[1-9]\d{7,14}$/, 'a phone number in E.164 form such as "+15551234567"');

/** The hotline's own numbers at one provider: these decide which provider an incoming call belongs to. */
const ProviderPhoneNumbers = z
  .array(E164)
  .max(100)
  .refine((numbers) => new Set(numbers).size === numbers.length, 'phone numbers must not repeat');

const Secret = credentialSecret(512);

/** Parses `value` as a URL, or null. */
function urlOf(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * A base URL shown back to admins in clear text, so it must not carry credentials; it is a
 * bare origin (plus an optional path for ARI behind a reverse proxy), without query or fragment.
 */
const hasNoCredentialsOrQuery = (u: URL) => !u.username && !u.password && !u.search && !u.hash;

const SignalWireSpaceUrl = z
  .string()
  .max(256)
  .refine((value) => {
    const u = urlOf(value);
    return (
      u !== null &&
      u.protocol === 'https:' &&
      /^[a-z0-9][a-z0-9-]{0,62}\.signalwire\.com$/.test(u.hostname) &&
      !u.port &&
      (u.pathname === '/' || u.pathname === '') &&
      hasNoCredentialsOrQuery(u)
    );
  }, 'your SignalWire space URL, such as "https://example.signalwire.com"');

const AsteriskAriUrl = z
  .string()
  .max(512)
  .refine((value) => {
    const u = urlOf(value);
    return u !== null && (u.protocol === 'http:' || u.protocol === 'https:') && hasNoCredentialsOrQuery(u);
  }, 'an http:// or https:// URL of the Asterisk REST interface, without credentials in it');

/** A PEM private key (Vonage application keys are PKCS#8 "PRIVATE KEY"; older ones are "RSA PRIVATE KEY"). */
const PemPrivateKey = z
  .string()
  .max(16_384)
  .regex(
    /^-----BEGIN (RSA )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA )?PRIVATE KEY-----\s*$/,
    'a PEM private key ("-----BEGIN PRIVATE KEY----- …")',
  );

/**
 * A field only browser calling needs: optional, and an empty form field means "not set" (the
 * admin form sends every field it shows).
 */
const optionalField = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** wss:// URL of Asterisk's SIP WebSocket transport as volunteers' browsers reach it. */
const SipWebSocketUrl = z
  .string()
  .max(512)
  .refine((value) => {
    const u = urlOf(value);
    return u !== null && u.protocol === 'wss:' && hasNoCredentialsOrQuery(u);
  }, 'a wss:// URL of the Asterisk SIP WebSocket, such as "wss://pbx.example.org:8089/ws"');

const TwilioCredentials = z
  .object({
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio account SID: "AC" and 32 hex digits'),
    authToken: Secret,
    // Browser calling (Voice JS SDK): an API key signs the access tokens, and the TwiML app
    // names what a browser-initiated call would run. All three or none (checked when issuing).
    apiKeySid: optionalField(
      z.string().regex(/^SK[0-9a-fA-F]{32}$/, 'a Twilio API key SID: "SK" and 32 hex digits'),
    ),
    apiKeySecret: optionalField(Secret),
    twimlAppSid: optionalField(
      z.string().regex(/^AP[0-9a-fA-F]{32}$/, 'a TwiML app SID: "AP" and 32 hex digits'),
    ),
    phoneNumbers: ProviderPhoneNumbers,
  })
  .strict();

const SignalWireCredentials = z
  .object({
    projectId: z.uuid('a SignalWire project id (a UUID)'),
    apiToken: Secret,
    spaceUrl: SignalWireSpaceUrl,
    signingKey: Secret,
    phoneNumbers: ProviderPhoneNumbers,
  })
  .strict();

const VonageCredentials = z
  .object({
    apiKey: Identifier,
    apiSecret: Secret,
    applicationId: z.uuid('a Vonage application id (a UUID)'),
    privateKey: PemPrivateKey,
    signatureSecret: Secret,
    phoneNumbers: ProviderPhoneNumbers,
  })
  .strict();

const PlivoCredentials = z
  .object({
    authId: PlivoAuthId,
    authToken: Secret,
    phoneNumbers: ProviderPhoneNumbers,
  })
  .strict();

const AsteriskCredentials = z
  .object({
    ariUrl: AsteriskAriUrl,
    username: Identifier,
    password: Secret,
    app: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an ARI application name (letters, digits, _ . -)'),
    // Browser calling: where browsers reach Asterisk's SIP WebSocket (unset: no browser calling).
    sipWebSocketUrl: optionalField(SipWebSocketUrl),
    phoneNumbers: ProviderPhoneNumbers,
  })
  .strict();

/** The built-in simulated carrier: numbers only, nothing secret. */
const SimulatorCredentials = z.object({ phoneNumbers: ProviderPhoneNumbers }).strict();

export const PROVIDER_CREDENTIALS = {
  twilio: TwilioCredentials,
  signalwire: SignalWireCredentials,
  vonage: VonageCredentials,
  plivo: PlivoCredentials,
  asterisk: AsteriskCredentials,
  simulator: SimulatorCredentials,
} as const;

export type TelephonyProvider = keyof typeof PROVIDER_CREDENTIALS;
export const TELEPHONY_PROVIDERS = Object.keys(PROVIDER_CREDENTIALS) as TelephonyProvider[];
export const TelephonyProviderName = z.enum(
  TELEPHONY_PROVIDERS as [TelephonyProvider, ...TelephonyProvider[]],
);

export type ProviderCredentials = {
  [P in TelephonyProvider]: z.infer<(typeof PROVIDER_CREDENTIALS)[P]>;
};

/**
 * How each field is shown when read back:
 * - 'public': an identifier, shown as stored (it is still sealed at rest with the rest);
 * - 'secret-last4': masked, with its last four characters so an admin can tell tokens apart;
 * - 'secret': masked without any hint (passwords and keys, where a hint would weaken them
 *   or say nothing: every PEM key ends the same way).
 * `phoneNumbers` are always shown: they are the hotline's published numbers.
 */
export type FieldVisibility = 'public' | 'secret-last4' | 'secret';

export const PROVIDER_FIELDS: {
  [P in TelephonyProvider]: Record<Exclude<keyof ProviderCredentials[P], 'phoneNumbers'>, FieldVisibility>;
} = {
  twilio: {
    accountSid: 'public',
    authToken: 'secret-last4',
    apiKeySid: 'public',
    apiKeySecret: 'secret-last4',
    twimlAppSid: 'public',
  },
  signalwire: {
    projectId: 'public',
    spaceUrl: 'public',
    apiToken: 'secret-last4',
    signingKey: 'secret-last4',
  },
  vonage: {
    apiKey: 'public',
    applicationId: 'public',
    apiSecret: 'secret-last4',
    privateKey: 'secret',
    signatureSecret: 'secret-last4',
  },
  plivo: { authId: 'public', authToken: 'secret-last4' },
  asterisk: {
    ariUrl: 'public',
    username: 'public',
    app: 'public',
    password: 'secret',
    sipWebSocketUrl: 'public',
  },
  simulator: {},
};

/**
 * Fields only browser calling needs: a provider is saved without them (the admin form does not
 * require them, and an empty one means "not set").
 */
export const OPTIONAL_PROVIDER_FIELDS: ReadonlySet<string> = new Set([
  'apiKeySid',
  'apiKeySecret',
  'twimlAppSid',
  'sipWebSocketUrl',
]);

/** A secret field as the API returns it: that it is set, and at most its last four characters. */
export const MaskedSecret = z
  .object({ set: z.literal(true), last4: z.string().length(4).optional() })
  .strict();
export type MaskedSecret = z.infer<typeof MaskedSecret>;

/** One provider in `GET /api/settings/providers`. */
export interface ProviderSummary {
  configured: boolean;
  /** False when stored credentials cannot be decrypted (SERVER_SECRET changed, or the row was altered). */
  readable: boolean;
  /** Why the credentials are unreadable, when they are. */
  error?: string;
  updatedAt: string | null;
  phoneNumbers: string[];
  /** Every non-number field: public ones as stored, secret ones masked. */
  fields: Record<string, string | MaskedSecret>;
}
