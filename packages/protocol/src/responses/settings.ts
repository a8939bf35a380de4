import { z } from 'zod';
import { MaskedSecret, type ProviderSummary, TelephonyProviderName } from '../providers.js';
import { ReportType } from '../reports.js';
import {
  CustomFieldDefinition,
  HotlineSettings,
  type PublicSettings,
  type SettingsResponse,
} from '../settings.js';
import { TranscriptionSettings } from '../transcription.js';
import { TranscriptionModelInfoSchema } from './transcription.js';

/** Answers of the settings, provider and public configuration routes, as the web client checks them. */

/** `GET /api/settings` and the answer to every settings write. */
export const SettingsResponseSchema = z.object({
  settings: HotlineSettings,
  version: z.number().int(),
}) satisfies z.ZodType<SettingsResponse>;

/** `GET /api/settings/public`. */
export const PublicSettingsSchema = z.object({
  hotlineName: z.string(),
  timeZone: z.string(),
  languages: z.array(z.string()),
  channels: HotlineSettings.shape.channels,
  customFields: z.array(CustomFieldDefinition),
  security: z.object({ autoLockMinutes: z.number().int() }),
  reports: z.object({
    types: z.array(ReportType),
    maxFileBytes: z.number().int(),
    maxReportBytes: z.number().int(),
  }),
  transcription: TranscriptionSettings.extend({
    model: TranscriptionModelInfoSchema.nullable(),
    crossOriginIsolation: z.boolean(),
  }),
  version: z.number().int(),
}) satisfies z.ZodType<PublicSettings>;

export const ProviderSummarySchema = z.object({
  configured: z.boolean(),
  readable: z.boolean(),
  error: z.string().optional(),
  updatedAt: z.string().nullable(),
  phoneNumbers: z.array(z.string()),
  fields: z.record(z.string(), z.union([z.string(), MaskedSecret])),
}) satisfies z.ZodType<ProviderSummary>;

/** `GET /api/settings/providers`: one summary per provider, configured or not. */
export const ProviderListResponse = z.object({
  providers: z.record(TelephonyProviderName, ProviderSummarySchema),
});

/** `POST /api/settings/providers/:provider/test`: a short reason, never the provider's own words. */
export const ConnectionTestResult = z.object({ ok: z.boolean(), reason: z.string() });
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>;

/**
 * `GET /api/config` (public, before sign-in): where to sign requests for and which relay to
 * subscribe to, and the hotline's name and languages for the login page.
 */
export const PublicConfig = z.object({
  serverPubkey: z.string(),
  /** The relay to subscribe to (the embedded /nostr, or an external one). */
  relayUrl: z.string().optional(),
  publicUrl: z.string(),
  production: z.boolean(),
  hotlineName: z.string().optional(),
  languages: z.array(z.string()).optional(),
  autoLockMinutes: z.number().optional(),
});
export type PublicConfig = z.infer<typeof PublicConfig>;

/**
 * `GET /api/version` (public): what this server is and what web client it serves. `webBundle` is
 * the SHA-256 of the served files' CHECKSUMS.txt listing (docs/OPERATIONS.md, "Check what a
 * server serves"); `commit` is null when the server runs from a checkout, not a release.
 */
export const VersionInfo = z.object({
  version: z.string(),
  commit: z.string().nullable(),
  webBundle: z.object({ sha256: z.string(), files: z.number() }),
});
export type VersionInfo = z.infer<typeof VersionInfo>;
