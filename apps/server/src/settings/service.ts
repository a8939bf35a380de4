import {
  DEFAULT_SETTINGS,
  HotlineSettings,
  type PublicSettings,
  type SettingsResponse,
  type SettingsSection,
} from '@llamenos/protocol';
import type { z } from 'zod';
import { auditActionInTx } from '../audit/service.js';
import type { AuditActor } from '../domain/actor.js';
import { conflict, type DomainError, validationFailed } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { currentTranscriptionModel } from '../transcription/index.js';
import { diffSettings } from './diff.js';
import { notifySettingsChanged } from './hooks.js';
import { loadSettings, loadSettingsRow, repairSettings, saveSettings } from './store.js';

export type { SettingsChange } from './hooks.js';
export {
  deleteProviderCredentials,
  listProviders,
  loadProviderCredentials,
  saveProviderCredentials,
  UnreadableCredentialsError,
} from './providers.js';

/** Who is making a change, for the audit log. */
type Actor = AuditActor;

/**
 * The document for the admin editor. If the stored one no longer validates (a hand edit, or a
 * rule tightened in an upgrade), it is shown repaired (store.ts repairSettings) with the
 * problems listed, instead of a 500: the admin needs the version to save a repaired document.
 */
export async function getSettings(
  ctx: ServerContext,
): Promise<SettingsResponse & { problems?: { path: string; message: string }[] }> {
  const { value, version } = await loadSettingsRow(ctx.db);
  const { settings, problems } = repairSettings(value);
  if (!problems) return { settings, version };
  ctx.log.warn({ version }, 'stored settings are invalid; showing defaults for the bad fields');
  return { settings, version, problems };
}

/** The subset every member's client needs (time zone for shifts, fields for notes, auto-lock). */
export async function getPublicSettings(ctx: ServerContext): Promise<PublicSettings> {
  const { settings, version } = await loadSettings(ctx.db);
  return {
    hotlineName: settings.hotlineName,
    timeZone: settings.timeZone,
    languages: settings.languages,
    channels: settings.channels,
    customFields: settings.customFields,
    security: { autoLockMinutes: settings.security.autoLockMinutes },
    reports: {
      types: settings.reports.types,
      maxFileBytes: settings.reports.maxFileBytes,
      maxReportBytes: settings.reports.maxReportBytes,
    },
    transcription: {
      ...settings.transcription,
      model: await currentTranscriptionModel(ctx),
      crossOriginIsolation: ctx.config.CROSS_ORIGIN_ISOLATION === 'on',
    },
    version,
  };
}

/**
 * Name and languages for the public login page, and the idle time after which the app locks. One primary-key read per call; if the stored
 * document is unreadable the login page still renders, with the defaults, and the fault is logged.
 */
export async function getLoginBranding(
  ctx: ServerContext,
): Promise<{ hotlineName: string; languages: string[]; autoLockMinutes: number }> {
  const brandingOf = (settings: HotlineSettings) => ({
    hotlineName: settings.hotlineName,
    languages: settings.languages,
    // The app shell locks the key after this much idle time; it needs it before anyone signs in.
    autoLockMinutes: settings.security.autoLockMinutes,
  });
  try {
    return brandingOf((await loadSettings(ctx.db)).settings);
  } catch (error) {
    ctx.log.warn({ err: error }, 'settings unreadable; login page shows defaults');
    return brandingOf(DEFAULT_SETTINGS);
  }
}

/** The same 400 shape http/validate.ts gives, for the document as it would be after the change. */
function invalidSettings(error: z.ZodError): DomainError {
  const first = error.issues[0];
  const at = first?.path.length ? ` at ${first.path.join('.')}` : '';
  return validationFailed(
    `invalid settings${at}: ${first?.message ?? 'invalid'}`,
    error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}

function staleVersion(sent: number, current: number | null): DomainError {
  const now = current === null ? 'a newer version' : `version ${current}`;
  return conflict(
    `settings were changed by someone else since you loaded them (you sent version ${sent}, the hotline has ${now}); reload and apply your change again`,
    { currentVersion: current },
  );
}

/**
 * The one write path: validates the whole resulting document, checks the version, saves, and
 * appends the audit entry in the same transaction; listeners hear of it only after commit.
 * A write that changes nothing stores nothing and bumps no version.
 */
async function writeSettings(
  ctx: ServerContext,
  actor: Actor,
  expectedVersion: number,
  build: (current: unknown) => unknown,
): Promise<SettingsResponse> {
  const now = ctx.now();
  const result = await ctx.db.transaction(async (tx) => {
    const stored = await loadSettingsRow(tx);
    if (stored.version !== expectedVersion) throw staleVersion(expectedVersion, stored.version);
    const next = HotlineSettings.safeParse(build(stored.value));
    if (!next.success) throw invalidSettings(next.error);
    const before = HotlineSettings.safeParse(stored.value);
    const diff = diffSettings(before.success ? before.data : null, next.data);
    if (!diff.changed.length) return { settings: next.data, version: stored.version, diff };
    // Checked again by the database: another process may have written since our read.
    const version = await saveSettings(tx, next.data, expectedVersion, actor.pubkey, now);
    if (version === null) throw staleVersion(expectedVersion, null);
    await auditActionInTx(tx, actor, now, {
      action: 'settings.changed',
      target: 'settings',
      details: {
        version,
        changed: diff.changed,
        ...(diff.customFields ? { customFields: diff.customFields } : {}),
      },
    });
    return { settings: next.data, version, diff };
  });
  if (result.diff.changed.length)
    notifySettingsChanged(ctx, { kind: 'settings', version: result.version, changed: result.diff.changed });
  return { settings: result.settings, version: result.version };
}

/** Replaces the whole document (`PUT /api/settings`). */
export const replaceSettings = (
  ctx: ServerContext,
  actor: Actor,
  settings: unknown,
  expectedVersion: number,
): Promise<SettingsResponse> => writeSettings(ctx, actor, expectedVersion, () => settings);

/**
 * Replaces one top-level section (`PATCH /api/settings/:section`). The section is checked on
 * its own first, so a malformed value is a 400 even when the version is also stale.
 */
export async function patchSettingsSection(
  ctx: ServerContext,
  actor: Actor,
  section: SettingsSection,
  value: unknown,
  expectedVersion: number,
): Promise<SettingsResponse> {
  const alone = HotlineSettings.shape[section].safeParse(value);
  if (!alone.success) {
    for (const issue of alone.error.issues) issue.path.unshift(section);
    throw invalidSettings(alone.error);
  }
  return writeSettings(ctx, actor, expectedVersion, (current) => ({
    ...(current as object),
    [section]: alone.data,
  }));
}
