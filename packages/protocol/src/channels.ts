import { z } from 'zod';
import { credentialSecret, CredentialIdentifier as Identifier, PlivoAuthId } from './primitives.js';
import { E164 } from './providers.js';

/**
 * What an admin enters to connect each messaging channel (`PUT /api/settings/channels/:channel`),
 * shared by the server, which stores it sealed at rest, and the admin's form. The hotline's
 * numbers or accounts on a channel are shown back in clear (they are published to contacts);
 * every field not named in `CHANNEL_FIELDS` as public is a secret, never returned.
 */

/** The path segment in `/api/messaging/<channel>/inbound` and `/status`. */
export const MESSAGING_CHANNELS = [
  'twilio-sms',
  'twilio-whatsapp',
  'signalwire-sms',
  'plivo-sms',
  'vonage',
  'whatsapp',
  'signal',
] as const;
export type MessagingChannelId = (typeof MESSAGING_CHANNELS)[number];
export const MessagingChannelName = z.enum(MESSAGING_CHANNELS);

/** Channel tokens (a WhatsApp access token, a Signal bridge token) run longer than voice providers' secrets. */
const Secret = credentialSecret(1024);

const Numbers = z
  .array(E164)
  .min(1)
  .max(100)
  .refine((numbers) => new Set(numbers).size === numbers.length, 'numbers must not repeat');

const TwilioAccount = {
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio account SID: "AC" and 32 hex digits'),
  authToken: Secret,
};

/**
 * The built-in simulated carrier (development only): no credentials, the account is derived
 * from SERVER_SECRET on the server. Refused in production.
 */
const Simulated = z.object({ simulated: z.literal(true), phoneNumbers: Numbers }).strict();

const TwilioSms = z.union([z.object({ ...TwilioAccount, phoneNumbers: Numbers }).strict(), Simulated]);

/**
 * A Twilio Content template (ContentSid "HX…") approved by WhatsApp, sent when a reply falls
 * outside WhatsApp's 24-hour customer-service window: the only message WhatsApp lets a business
 * start. Without one such replies fail with 'outside-24h-window'.
 */
export const TwilioTemplate = z
  .string()
  .regex(/^HX[0-9a-fA-F]{32}$/, 'a Twilio Content SID: "HX" and 32 hex digits');

const TwilioWhatsApp = z.union([
  z
    .object({ ...TwilioAccount, phoneNumbers: Numbers, outsideWindowTemplate: TwilioTemplate.nullable() })
    .strict(),
  Simulated.extend({ outsideWindowTemplate: TwilioTemplate.nullable().optional() }).strict(),
]);

const SignalWireSms = z
  .object({
    projectId: z.uuid('a SignalWire project id (a UUID)'),
    apiToken: Secret,
    spaceUrl: z
      .string()
      .max(256)
      .regex(
        /^https:\/\/[a-z0-9][a-z0-9-]{0,62}\.signalwire\.com\/?$/,
        'your SignalWire space URL, such as "https://example.signalwire.com"',
      ),
    signingKey: Secret,
    phoneNumbers: Numbers,
  })
  .strict();

const PlivoSms = z
  .object({
    authId: PlivoAuthId,
    authToken: Secret,
    phoneNumbers: Numbers,
  })
  .strict();

const Vonage = z
  .object({
    applicationId: z.uuid('a Vonage application id (a UUID)'),
    privateKey: z
      .string()
      .max(16_384)
      .regex(
        /^-----BEGIN (RSA )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA )?PRIVATE KEY-----\s*$/,
        'a PEM private key ("-----BEGIN PRIVATE KEY----- …")',
      ),
    signatureSecret: Secret,
    apiKey: Identifier.optional(),
    phoneNumbers: Numbers,
  })
  .strict();

/** A WhatsApp template by its name and language, as approved in Meta's WhatsApp Manager. */
export const MetaTemplate = z
  .object({
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'a template name: lowercase letters, digits and _'),
    language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a language code such as "en" or "es_MX"'),
  })
  .strict();

const MetaWhatsApp = z
  .object({
    /** The Cloud API's id of the hotline's WhatsApp number: messages name it; replies are sent from it. */
    phoneNumberId: z.string().regex(/^\d{5,32}$/, "the WhatsApp number's phone number id (digits)"),
    accessToken: Secret,
    /** The Meta app's secret: X-Hub-Signature-256 is an HMAC under it. */
    appSecret: Secret,
    /** What we chose and typed into Meta's webhook form: the GET handshake echoes it. */
    verifyToken: Secret,
    outsideWindowTemplate: MetaTemplate.nullable(),
  })
  .strict();

/**
 * The URL of the operator's signal-cli-rest-api. Its shape only: the server also requires a
 * loopback or private-network host (it has no authentication), which needs the server's IP
 * parser to decide.
 */
export const SignalApiUrl = z
  .string()
  .max(512)
  .refine((value) => {
    try {
      const u = new URL(value);
      return (
        (u.protocol === 'http:' || u.protocol === 'https:') &&
        !u.username &&
        !u.password &&
        !u.search &&
        !u.hash
      );
    } catch {
      return false;
    }
  }, 'an http(s) URL without credentials, query or fragment');

const Signal = z.union([
  z.object({ apiUrl: SignalApiUrl, number: E164 }).strict(),
  /** The simulated carrier's signal-cli (development only), started on loopback on first use. */
  z.object({ simulated: z.literal(true), number: E164 }).strict(),
]);

export const CHANNEL_CONFIG = {
  'twilio-sms': TwilioSms,
  'twilio-whatsapp': TwilioWhatsApp,
  'signalwire-sms': SignalWireSms,
  'plivo-sms': PlivoSms,
  vonage: Vonage,
  whatsapp: MetaWhatsApp,
  signal: Signal,
} as const satisfies Record<MessagingChannelId, z.ZodType>;

export type ChannelConfig = { [C in MessagingChannelId]: z.infer<(typeof CHANNEL_CONFIG)[C]> };

/**
 * Fields shown back to admins as they are; every other field except the numbers is a secret,
 * answered as `{ set: true }` only.
 */
export const PUBLIC_CHANNEL_FIELDS: Record<MessagingChannelId, readonly string[]> = {
  'twilio-sms': ['accountSid', 'simulated'],
  'twilio-whatsapp': ['accountSid', 'simulated', 'outsideWindowTemplate'],
  'signalwire-sms': ['projectId', 'spaceUrl'],
  'plivo-sms': ['authId'],
  vonage: ['applicationId', 'apiKey'],
  whatsapp: ['phoneNumberId', 'outsideWindowTemplate'],
  signal: ['apiUrl', 'number', 'simulated'],
};

/** A stored field as `GET /api/settings/channels` shows it. */
export type ChannelFieldValue = string | boolean | null | z.infer<typeof MetaTemplate> | { set: true };

/** One channel in `GET /api/settings/channels`, configured or not. */
export interface ChannelSummary {
  configured: boolean;
  /** Taken out of service by an admin, configuration kept: its webhooks answer 404, replies are refused. */
  disabled: boolean;
  /** False when the stored configuration cannot be opened (SERVER_SECRET changed, or the row was altered). */
  readable: boolean;
  /** The hotline's numbers or accounts on the channel. */
  addresses: string[];
  updatedAt: string | null;
  /** Every field but the numbers: public ones as stored, secret ones as `{ set: true }`. */
  fields: Record<string, ChannelFieldValue>;
}
