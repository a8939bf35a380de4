import { LABEL_PROVIDER_SECRET } from '@llamenos/crypto';
import {
  type FieldVisibility,
  type MaskedSecret,
  PROVIDER_CREDENTIALS,
  PROVIDER_FIELDS,
  type ProviderCredentials,
  type ProviderSummary,
  TELEPHONY_PROVIDERS,
  type TelephonyProvider,
} from '@llamenos/protocol';
import type { z } from 'zod';
import { auditActionInTx } from '../audit/service.js';
import { urgently } from '../db/database.js';
import type { AuditActor as Actor } from '../domain/actor.js';
import { conflict, DomainError, invalid, notFound, parseOrRefuse } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { openAtRest, sealAtRest } from '../secrets/at-rest.js';
import { sameJson } from './diff.js';
import { notifySettingsChanged } from './hooks.js';
import {
  type CredentialRow,
  deleteCredentialRow,
  listCredentialRows,
  lockCredentialWrites,
  numbersHeldElsewhere,
  readCredentialRow,
  writeCredentialRow,
} from './store.js';
import { openedSummary, summaryPerId } from './summary-per-id.js';

/**
 * Stored credentials that cannot be opened: the server runs with another SERVER_SECRET than the
 * one that sealed them, or the row was altered or moved to another provider. The row is left
 * as it is (restoring the secret makes it readable again); re-entering the credentials replaces it.
 */
export class UnreadableCredentialsError extends DomainError {
  constructor(
    readonly provider: TelephonyProvider,
    readonly reason: 'decrypt' | 'invalid',
  ) {
    super(
      'internal',
      reason === 'decrypt'
        ? `the stored ${provider} credentials cannot be decrypted: this server's SERVER_SECRET is not the one that saved them, or the stored row was altered. Restore that SERVER_SECRET, or enter the ${provider} credentials again.`
        : `the stored ${provider} credentials decrypt but no longer match the expected fields; enter the ${provider} credentials again.`,
    );
  }
}

const secretFieldsOf = (provider: TelephonyProvider): string[] =>
  Object.entries(PROVIDER_FIELDS[provider] as Record<string, FieldVisibility>)
    .filter(([, visibility]) => visibility !== 'public')
    .map(([field]) => field);

/**
 * What `PUT /api/settings/providers/:provider` accepts: the provider's fields, where secret
 * ones may be left out to keep the stored value, since the admin form never receives them back.
 */
export function providerUpdateSchema(provider: TelephonyProvider): z.ZodType<Record<string, unknown>> {
  const keep = Object.fromEntries(secretFieldsOf(provider).map((field) => [field, true as const]));
  // The mask is built at run time, so its keys cannot be typed against the shape.
  return (PROVIDER_CREDENTIALS[provider] as z.ZodObject).partial(keep as never);
}

function openRow<P extends TelephonyProvider>(ctx: ServerContext, provider: P, row: CredentialRow) {
  let json: string;
  try {
    // The provider name is the record id: a blob moved to another provider's row does not open.
    json = openAtRest(ctx.keys.settingsKey, LABEL_PROVIDER_SECRET, provider, row.sealed);
  } catch {
    throw new UnreadableCredentialsError(provider, 'decrypt');
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new UnreadableCredentialsError(provider, 'invalid');
  }
  const parsed = PROVIDER_CREDENTIALS[provider].safeParse(value);
  if (!parsed.success) throw new UnreadableCredentialsError(provider, 'invalid');
  return parsed.data as ProviderCredentials[P];
}

/**
 * A provider's decrypted credentials, for server code that talks to it; null if none are
 * stored. Throws UnreadableCredentialsError (never a raw crypto error) if they cannot be opened.
 */
export async function loadProviderCredentials<P extends TelephonyProvider>(
  ctx: ServerContext,
  provider: P,
): Promise<ProviderCredentials[P] | null> {
  // Urgent: every webhook's adapter is rebuilt from this read once a second (calls/wiring.ts
  // keptAdapter), so an arriving call waits on it as on the settings (QueryOptions.urgent).
  const row = await readCredentialRow(urgently(ctx.db), provider);
  return row ? openRow(ctx, provider, row) : null;
}

/** A last-4 hint only for long values, so that it never gives away a meaningful share of a secret. */
function mask(value: string, visibility: FieldVisibility): MaskedSecret {
  return visibility === 'secret-last4' && value.length >= 16
    ? { set: true, last4: value.slice(-4) }
    : { set: true };
}

/** Every field the provider has that is set: public ones as stored, secret ones masked. */
function shownFields(
  provider: TelephonyProvider,
  credentials: Record<string, unknown>,
): ProviderSummary['fields'] {
  const fields: ProviderSummary['fields'] = {};
  for (const [field, visibility] of Object.entries(
    PROVIDER_FIELDS[provider] as Record<string, FieldVisibility>,
  )) {
    if (credentials[field] === undefined) continue; // an optional field left unset (browser calling)
    const value = String(credentials[field]);
    fields[field] = visibility === 'public' ? value : mask(value, visibility);
  }
  return fields;
}

function summarize(
  ctx: ServerContext,
  provider: TelephonyProvider,
  row: CredentialRow | undefined,
): ProviderSummary {
  if (!row) return { configured: false, readable: true, updatedAt: null, phoneNumbers: [], fields: {} };
  const base = { configured: true, updatedAt: row.updatedAt.toISOString(), phoneNumbers: row.phoneNumbers };
  return openedSummary(
    base,
    () => openRow(ctx, provider, row),
    (credentials) => shownFields(provider, credentials),
    (error) => {
      if (!(error instanceof UnreadableCredentialsError)) throw error;
      ctx.log.warn({ provider, reason: error.reason }, 'stored provider credentials are unreadable');
      return { error: error.message };
    },
  );
}

/** Every provider, configured or not, with secrets masked (`GET /api/settings/providers`). */
export async function listProviders(ctx: ServerContext): Promise<Record<TelephonyProvider, ProviderSummary>> {
  const rows = await listCredentialRows(ctx.db);
  return summaryPerId(TELEPHONY_PROVIDERS, rows, 'provider', (p, row) => summarize(ctx, p, row));
}

/** Fills omitted secret fields from the stored credentials; a missing field with nothing stored is a 400. */
function mergeWithStored(
  ctx: ServerContext,
  provider: TelephonyProvider,
  input: Record<string, unknown>,
  row: CredentialRow | null,
): { previous: Record<string, unknown> | null; merged: unknown } {
  const omitted = secretFieldsOf(provider).filter((field) => input[field] === undefined);
  if (!row) return { previous: null, merged: input };
  try {
    const previous = openRow(ctx, provider, row);
    return { previous, merged: { ...previous, ...input } };
  } catch (error) {
    if (!(error instanceof UnreadableCredentialsError) || !omitted.length)
      return { previous: null, merged: input };
    throw invalid(
      `the stored ${provider} credentials cannot be decrypted, so they cannot be kept: send ${omitted.join(', ')} as well`,
    );
  }
}

/**
 * Validates, seals and stores one provider's credentials, with an audit entry naming the fields
 * that changed (names only). Returns the masked summary.
 */
export async function saveProviderCredentials(
  ctx: ServerContext,
  actor: Actor,
  provider: TelephonyProvider,
  input: Record<string, unknown>,
): Promise<ProviderSummary> {
  const now = ctx.now();
  const row = await ctx.db.transaction(async (tx) => {
    await lockCredentialWrites(tx);
    const stored = await readCredentialRow(tx, provider);
    const { previous, merged } = mergeWithStored(ctx, provider, input, stored);
    const credentials = parseOrRefuse(
      PROVIDER_CREDENTIALS[provider],
      merged,
      `${provider} credentials`,
    ) as Record<string, unknown> & { phoneNumbers: string[] };
    const taken = await numbersHeldElsewhere(tx, provider, credentials.phoneNumbers);
    if (taken[0])
      throw conflict(
        `${taken[0].phoneNumber} is already a number of ${taken[0].provider}; remove it there first (a called number must decide its provider)`,
      );
    const next: CredentialRow = {
      provider,
      sealed: sealAtRest(ctx.keys.settingsKey, LABEL_PROVIDER_SECRET, provider, JSON.stringify(credentials)),
      phoneNumbers: credentials.phoneNumbers,
      updatedAt: now,
      updatedBy: actor.pubkey,
    };
    await writeCredentialRow(tx, next);
    const fields = Object.keys(credentials).filter(
      (f) => !previous || !sameJson(previous[f], credentials[f]),
    );
    await auditActionInTx(tx, actor, now, {
      action: 'settings.provider-updated',
      target: `provider:${provider}`,
      details: { provider, created: stored === null, fields },
    });
    return next;
  });
  notifySettingsChanged(ctx, { kind: 'provider', provider, action: 'updated' });
  return summarize(ctx, provider, row);
}

/** Removes one provider's credentials (`DELETE /api/settings/providers/:provider`). */
export async function deleteProviderCredentials(
  ctx: ServerContext,
  actor: Actor,
  provider: TelephonyProvider,
): Promise<void> {
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    await lockCredentialWrites(tx);
    if (!(await deleteCredentialRow(tx, provider))) throw notFound(`no ${provider} credentials are stored`);
    await auditActionInTx(tx, actor, now, {
      action: 'settings.provider-deleted',
      target: `provider:${provider}`,
      details: { provider },
    });
  });
  notifySettingsChanged(ctx, { kind: 'provider', provider, action: 'deleted' });
}
