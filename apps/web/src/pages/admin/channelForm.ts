import { CHANNEL_CONFIG, type ChannelSummary, type MessagingChannelId } from '@llamenos/protocol';
import { z } from 'zod';

/**
 * The admin's form for one messaging channel, as plain text inputs, and how its values become
 * the body of `PUT /api/settings/channels/:channel`. The body is checked here against the same
 * schema the server applies (from @llamenos/protocol), so most mistakes are shown on the field
 * before anything is sent; the server checks again (and alone knows the Signal host rule).
 */

/** How an input is drawn and read: a secret is write-only, and left empty keeps the stored one. */
export type InputKind = 'text' | 'secret' | 'pem' | 'numbers' | 'optional';

export interface ChannelInput {
  /** The form's field name; the body's, except for the WhatsApp template's two parts. */
  name: string;
  kind: InputKind;
}

export const CHANNEL_INPUTS: Record<MessagingChannelId, ChannelInput[]> = {
  'twilio-sms': [
    { name: 'accountSid', kind: 'text' },
    { name: 'authToken', kind: 'secret' },
    { name: 'phoneNumbers', kind: 'numbers' },
  ],
  'twilio-whatsapp': [
    { name: 'accountSid', kind: 'text' },
    { name: 'authToken', kind: 'secret' },
    { name: 'phoneNumbers', kind: 'numbers' },
    { name: 'outsideWindowTemplate', kind: 'optional' },
  ],
  'signalwire-sms': [
    { name: 'projectId', kind: 'text' },
    { name: 'spaceUrl', kind: 'text' },
    { name: 'apiToken', kind: 'secret' },
    { name: 'signingKey', kind: 'secret' },
    { name: 'phoneNumbers', kind: 'numbers' },
  ],
  'plivo-sms': [
    { name: 'authId', kind: 'text' },
    { name: 'authToken', kind: 'secret' },
    { name: 'phoneNumbers', kind: 'numbers' },
  ],
  vonage: [
    { name: 'applicationId', kind: 'text' },
    { name: 'apiKey', kind: 'optional' },
    { name: 'privateKey', kind: 'pem' },
    { name: 'signatureSecret', kind: 'secret' },
    { name: 'phoneNumbers', kind: 'numbers' },
  ],
  whatsapp: [
    { name: 'phoneNumberId', kind: 'text' },
    { name: 'accessToken', kind: 'secret' },
    { name: 'appSecret', kind: 'secret' },
    { name: 'verifyToken', kind: 'secret' },
    { name: 'templateName', kind: 'optional' },
    { name: 'templateLanguage', kind: 'optional' },
  ],
  signal: [
    { name: 'apiUrl', kind: 'text' },
    { name: 'number', kind: 'text' },
  ],
};

const isSecret = (kind: InputKind) => kind === 'secret' || kind === 'pem';

export type ChannelFormValues = Record<string, string>;

/** The form's starting values: public fields as stored, numbers one a line, secrets empty. */
export function initialValues(channel: MessagingChannelId, summary: ChannelSummary): ChannelFormValues {
  const values: ChannelFormValues = {};
  for (const { name, kind } of CHANNEL_INPUTS[channel]) {
    const stored = summary.fields[name];
    values[name] = !isSecret(kind) && typeof stored === 'string' ? stored : '';
  }
  if ('phoneNumbers' in values) values.phoneNumbers = summary.addresses.join('\n');
  const template = summary.fields.outsideWindowTemplate;
  if (channel === 'whatsapp' && template && typeof template === 'object' && 'name' in template) {
    values.templateName = template.name;
    values.templateLanguage = template.language;
  }
  return values;
}

/** Numbers as typed (one a line or comma-separated, with spaces, dots or brackets) in E.164 form. */
export const parseNumbers = (text: string) =>
  text
    .split(/[\n,]/)
    .map((n) => n.replace(/[\s().-]/g, ''))
    .filter(Boolean);

/** The PUT body: secrets left empty are left out when one is stored, so the server keeps it. */
export function bodyOf(
  channel: MessagingChannelId,
  values: ChannelFormValues,
  keepSecrets: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const { name, kind } of CHANNEL_INPUTS[channel]) {
    const raw = values[name] ?? '';
    const value = kind === 'pem' ? raw : raw.trim();
    if (kind === 'numbers') body[name] = parseNumbers(raw);
    else if (isSecret(kind) && value === '' && keepSecrets) continue;
    else if (name === 'templateName' || name === 'templateLanguage') continue;
    else if (name === 'outsideWindowTemplate') body[name] = value || null;
    // An emptied optional field is sent as null: the server then removes the stored value.
    else if (kind === 'optional' && value === '') body[name] = null;
    else body[name] = value;
  }
  if (channel === 'whatsapp') {
    const name = (values.templateName ?? '').trim();
    const language = (values.templateLanguage ?? '').trim();
    body.outsideWindowTemplate = name || language ? { name, language } : null;
  }
  return body;
}

/** The schema for a real (not simulated) account on the channel: the first of a union. */
function accountSchema(channel: MessagingChannelId): z.ZodObject {
  const schema = CHANNEL_CONFIG[channel] as z.ZodType;
  return (schema instanceof z.ZodUnion ? schema.options[0] : schema) as z.ZodObject;
}

/** The form field an issue in the body belongs to. */
function inputOf(path: readonly PropertyKey[]): string {
  const [first, second] = path;
  if (first === 'outsideWindowTemplate' && second === 'name') return 'templateName';
  if (first === 'outsideWindowTemplate' && second === 'language') return 'templateLanguage';
  return String(first ?? 'root');
}

/**
 * The form's resolver schema: the values become the body, checked by the shared schema, where
 * a secret is optional while one is stored. Issues point at the form's field names.
 */
export function channelFormSchema(channel: MessagingChannelId, keepSecrets: boolean) {
  const secrets = CHANNEL_INPUTS[channel].filter((i) => isSecret(i.kind)).map((i) => i.name);
  const account = accountSchema(channel);
  const check = keepSecrets
    ? account.partial(Object.fromEntries(secrets.map((name) => [name, true])) as Record<string, true>)
    : account;
  return z.record(z.string(), z.string()).transform((values, ctx) => {
    const body = bodyOf(channel, values, keepSecrets);
    // An emptied optional field travels as null (remove it); the stored form simply lacks it.
    const parsed = check.safeParse(
      Object.fromEntries(
        Object.entries(body).filter(([k, v]) => v !== null || k === 'outsideWindowTemplate'),
      ),
    );
    if (!parsed.success) {
      // One message a field: the first says what is wrong.
      const seen = new Set<string>();
      for (const issue of parsed.error.issues) {
        const input = inputOf(issue.path);
        if (seen.has(input)) continue;
        seen.add(input);
        ctx.addIssue({ code: 'custom', message: issue.message, path: [input] });
      }
    }
    return body;
  });
}

/** The URLs an operator pastes at the provider; Signal has none (the server connects to signal-cli). */
export function webhookUrls(
  channel: MessagingChannelId,
  publicUrl: string,
): { inbound: string; status: string | null } | null {
  if (channel === 'signal') return null;
  const base = `${publicUrl.replace(/\/+$/, '')}/api/messaging/${channel}`;
  // Meta sends delivery statuses to the same callback URL as messages.
  return { inbound: `${base}/inbound`, status: channel === 'whatsapp' ? null : `${base}/status` };
}
