import { z } from 'zod';

/** Is `zone` an IANA time zone this runtime knows? */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const LanguageCode = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'a language code such as "en" or "es"');

/** A custom field volunteers fill in on a call note. Field values are encrypted with the note. */
export const CustomFieldDefinition = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lowercase letters, digits and _'),
    label: z.string().trim().min(1).max(80),
    type: z.enum(['text', 'number', 'select', 'checkbox', 'date']),
    required: z.boolean().default(false),
    options: z.array(z.string().trim().min(1).max(80)).max(50).optional(),
    order: z.number().int().min(0).max(1000),
  })
  .strict()
  .refine((f) => (f.type === 'select') === Boolean(f.options?.length), {
    message: 'select fields need options; other types must not have them',
    path: ['options'],
  });
export type CustomFieldDefinition = z.infer<typeof CustomFieldDefinition>;

/** The hotline's settings as admins edit them. Provider credentials live apart, encrypted (see the settings module). */
export const HotlineSettings = z
  .object({
    hotlineName: z.string().trim().min(1).max(80),
    timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as "America/Mexico_City"'),
    languages: z.array(LanguageCode).min(1).max(20),
    channels: z
      .object({
        voice: z.boolean(),
        sms: z.boolean(),
        whatsapp: z.boolean(),
        signal: z.boolean(),
        reports: z.boolean(),
      })
      .strict(),
    customFields: z
      .array(CustomFieldDefinition)
      .max(50)
      .refine(
        (fields) => new Set(fields.map((f) => f.id)).size === fields.length,
        'custom field ids must be unique',
      ),
    spam: z
      .object({
        voiceCaptcha: z.boolean(),
        callsPerCallerPerHour: z.number().int().min(1).max(1000),
        blockMinutes: z.number().int().min(1).max(10_080),
      })
      .strict(),
    calls: z
      .object({
        queueTimeoutSeconds: z.number().int().min(10).max(600),
        voicemailMaxSeconds: z.number().int().min(10).max(600),
        ivrLanguageMenu: z.boolean(),
      })
      .strict(),
    security: z
      .object({
        requirePasskeys: z.boolean(),
        autoLockMinutes: z.number().int().min(1).max(240),
      })
      .strict(),
    retention: z
      .object({
        noteDays: z.number().int().min(0).max(36_500),
        callRecordDays: z.number().int().min(0).max(36_500),
      })
      .strict(),
  })
  .strict();
export type HotlineSettings = z.infer<typeof HotlineSettings>;

/** What a new hotline starts with. */
export const DEFAULT_SETTINGS: HotlineSettings = {
  hotlineName: 'Llamenos',
  timeZone: 'UTC',
  languages: ['en', 'es'],
  channels: { voice: true, sms: false, whatsapp: false, signal: false, reports: false },
  customFields: [],
  spam: { voiceCaptcha: false, callsPerCallerPerHour: 10, blockMinutes: 60 },
  calls: { queueTimeoutSeconds: 90, voicemailMaxSeconds: 120, ivrLanguageMenu: false },
  security: { requirePasskeys: false, autoLockMinutes: 15 },
  retention: { noteDays: 0, callRecordDays: 0 },
};
