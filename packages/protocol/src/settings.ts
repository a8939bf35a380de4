import { z } from 'zod';
import { DEFAULT_MESSAGING_SETTINGS, MessagingSettings } from './conversations.js';
import { withChoiceRules } from './primitives.js';
import { DEFAULT_REPORTS_SETTINGS, ReportsSettings } from './reports.js';
import type { TranscriptionModelInfo } from './responses/transcription.js';
import { textLine } from './text.js';
import { DEFAULT_TRANSCRIPTION_SETTINGS, TranscriptionSettings } from './transcription.js';

/** Is `zone` an IANA time zone this runtime knows? */
function isTimeZone(zone: string): boolean {
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
export const CustomFieldDefinition = withChoiceRules(
  z
    .strictObject({
      // The id is what encrypted notes store values under, so it is stable and never reused for another meaning.
      id: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,39}$/, 'lowercase letters, digits and _, starting with a letter'),
      label: textLine(80),
      type: z.enum(['text', 'number', 'select', 'checkbox', 'date']),
      required: z.boolean().default(false),
      options: z.array(textLine(80)).max(50).optional(),
      /**
       * Bounds of a number field (an age cannot be negative). Checked in the member's browser when
       * a note is written: values are sealed with the note, so the server only checks the bounds
       * themselves, here.
       */
      min: z.number().optional(),
      max: z.number().optional(),
      /** Position in the note form, ascending; unique so the form's order is never ambiguous. */
      order: z.number().int().min(0).max(1000),
    })
    .refine((f) => f.type === 'number' || (f.min === undefined && f.max === undefined), {
      message: 'only number fields have a minimum or a maximum',
      path: ['min'],
    })
    .refine((f) => f.min === undefined || f.max === undefined || f.min <= f.max, {
      message: 'the minimum must not be above the maximum',
      path: ['max'],
    }),
  (type) => type === 'select',
  'select fields need options; other types must not have them',
);
export type CustomFieldDefinition = z.infer<typeof CustomFieldDefinition>;

/** Points at the second of two fields sharing an id or an order, so a form can highlight it. */
function uniqueIdsAndOrder(fields: { id: string; order: number }[], ctx: z.RefinementCtx): void {
  const ids = new Set<string>();
  const orders = new Set<number>();
  fields.forEach((field, index) => {
    if (ids.has(field.id))
      ctx.addIssue({
        code: 'custom',
        message: `custom field id "${field.id}" is used twice`,
        path: [index, 'id'],
      });
    if (orders.has(field.order))
      ctx.addIssue({
        code: 'custom',
        message: `custom field order ${field.order} is used twice`,
        path: [index, 'order'],
      });
    ids.add(field.id);
    orders.add(field.order);
  });
}

/**
 * An admin's hold music address, handed to the providers as it is: https only (they refuse or
 * warn on plain http, and the caller's wait must not ride on a cleartext fetch), no credentials
 * in it (it lands in provider documents and logs), no whitespace or markup characters.
 */
export const HoldMusicUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    if (/[\s<>"'`]/.test(value)) return false;
    try {
      const url = new URL(value);
      return url.protocol === 'https:' && !url.username && !url.password && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'hold music must be an https:// address of an mp3 or wav file, without a user name or password');

/** What a queued caller is told while waiting: nothing more, their place in line, or the expected wait. */
export const QUEUE_ANNOUNCEMENTS = ['off', 'position', 'wait'] as const;
export const QueueAnnouncement = z.enum(QUEUE_ANNOUNCEMENTS, {
  error: () => 'the queue announcement must be "off", "position" or "wait"',
});
export type QueueAnnouncement = z.infer<typeof QueueAnnouncement>;

/** The hotline's settings as admins edit them. Provider credentials live apart, encrypted (see the settings module). */
export const HotlineSettings = z.strictObject({
  hotlineName: textLine(80),
  timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as "America/Mexico_City"'),
  languages: z
    .array(LanguageCode)
    .min(1)
    .max(20)
    .refine((codes) => new Set(codes).size === codes.length, 'languages must not repeat'),
  channels: z.strictObject({
    voice: z.boolean(),
    sms: z.boolean(),
    whatsapp: z.boolean(),
    signal: z.boolean(),
    reports: z.boolean(),
  }),
  customFields: z.array(CustomFieldDefinition).max(50).superRefine(uniqueIdsAndOrder),
  spam: z.strictObject({
    voiceCaptcha: z.boolean(),
    callsPerCallerPerHour: z.number().int().min(1).max(1000),
    blockMinutes: z.number().int().min(1).max(10_080),
  }),
  calls: z.strictObject({
    queueTimeoutSeconds: z.number().int().min(10).max(600),
    voicemailMaxSeconds: z.number().int().min(10).max(600),
    ivrLanguageMenu: z.boolean(),
    /**
     * Admins (calls:supervise) may listen silently to live browser calls; off by default, and
     * volunteers are told on their call card when it is on. Absent (documents stored before it) is off.
     */
    silentSupervision: z.boolean().optional(),
    /**
     * The hotline's own hold music: an https URL of an mp3 or wav file the providers fetch
     * and play to waiting and held callers instead of the generated clip (docs/CALLS.md).
     * Absent: the generated clip. Never fetched by the server itself.
     */
    holdMusicUrl: HoldMusicUrl.optional(),
    /**
     * What a queued caller hears after "thank you for waiting": nothing more ('off'), their
     * place in line ('position'), or an estimate of the wait ('wait'; docs/CALLS.md says how it
     * is reckoned). Absent (documents stored before it) is 'off'.
     */
    queueAnnouncement: QueueAnnouncement.optional(),
  }),
  security: z.strictObject({
    requirePasskeys: z.boolean(),
    autoLockMinutes: z.number().int().min(1).max(240),
  }),
  retention: z.strictObject({
    noteDays: z.number().int().min(0).max(36_500),
    callRecordDays: z.number().int().min(0).max(36_500),
  }),
  messaging: MessagingSettings,
  /** Report types (forms), attachment limits and report retention. */
  reports: ReportsSettings,
  /** Browser-side Whisper transcription (the model file itself is uploaded apart). */
  transcription: TranscriptionSettings,
  /**
   * Scheduled encrypted backups of the embedded database, written by the running server into
   * DATA_DIR/backups and each verified by a restore (docs/OPERATIONS.md). Not used with
   * PostgreSQL, whose own tools (pg_dump, PITR) do this better.
   */
  backups: z.strictObject({
    enabled: z.boolean(),
    intervalHours: z.number().int().min(1).max(168),
    keep: z.number().int().min(1).max(365),
  }),
});
export type HotlineSettings = z.infer<typeof HotlineSettings>;

/** What a new hotline starts with. */
export const DEFAULT_SETTINGS: HotlineSettings = {
  hotlineName: 'Llamenos',
  timeZone: 'UTC',
  languages: ['en', 'es'],
  channels: { voice: true, sms: false, whatsapp: false, signal: false, reports: true },
  customFields: [],
  spam: { voiceCaptcha: false, callsPerCallerPerHour: 10, blockMinutes: 60 },
  calls: {
    queueTimeoutSeconds: 90,
    voicemailMaxSeconds: 120,
    ivrLanguageMenu: false,
    silentSupervision: false,
    queueAnnouncement: 'off',
  },
  security: { requirePasskeys: false, autoLockMinutes: 15 },
  retention: { noteDays: 0, callRecordDays: 0 },
  messaging: DEFAULT_MESSAGING_SETTINGS,
  reports: DEFAULT_REPORTS_SETTINGS,
  transcription: DEFAULT_TRANSCRIPTION_SETTINGS,
  // On by default: a small hotline on the embedded database should not need to remember.
  backups: { enabled: true, intervalHours: 24, keep: 7 },
};

/** The top-level sections of the settings document; `PATCH /api/settings/:section` replaces one. */
export const SETTINGS_SECTIONS = Object.keys(HotlineSettings.shape) as (keyof HotlineSettings)[];
export const SettingsSection = z.enum(
  SETTINGS_SECTIONS as [keyof HotlineSettings, ...(keyof HotlineSettings)[]],
);
export type SettingsSection = z.infer<typeof SettingsSection>;

/** The version a client last read; a write against an older one is refused with 409. */
const SettingsVersion = z.number().int().min(0);

/** `PUT /api/settings`: the whole document. */
export const PutSettingsBody = z.strictObject({ settings: HotlineSettings, version: SettingsVersion });

/** `PATCH /api/settings/:section`: one section, validated as part of the merged document. */
export const PatchSettingsBody = z.strictObject({
  value: z.unknown().refine((v) => v !== undefined, 'value is required'),
  version: SettingsVersion,
});

/** `GET /api/settings` and the answer to every settings write. */
export interface SettingsResponse {
  settings: HotlineSettings;
  version: number;
}

/** `GET /api/settings/public`: what every member's client needs, nothing an admin alone should see. */
export interface PublicSettings {
  hotlineName: string;
  timeZone: string;
  languages: string[];
  channels: HotlineSettings['channels'];
  customFields: CustomFieldDefinition[];
  security: { autoLockMinutes: number };
  /** Report types and attachment limits, for every member who may file a report. */
  reports: Pick<ReportsSettings, 'types' | 'maxFileBytes' | 'maxReportBytes'>;
  /**
   * Whether transcription is on and which model to load (null: none uploaded); crossOriginIsolation
   * false: the operator turned COOP/COEP off (CROSS_ORIGIN_ISOLATION=off), so no page can transcribe.
   */
  transcription: TranscriptionSettings & {
    model: TranscriptionModelInfo | null;
    crossOriginIsolation: boolean;
  };
  version: number;
}
