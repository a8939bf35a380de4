import { DEFAULT_SETTINGS, HotlineSettings, SETTINGS_SECTIONS } from '@llamenos/protocol';
import type { z } from 'zod';
import { oneRow, type Queryable } from '../db/database.js';
import { sealedDocuments } from '../db/sealed-documents.js';

/** A settings problem: where the stored document breaks a rule, and which rule. */
export interface SettingsProblem {
  path: string;
  message: string;
}

/**
 * Reads the settings document. One that no longer validates (hand-edited, or a rule tightened
 * in an upgrade) must not stop the hotline: an inbound call or message reads settings, and a
 * 500 there is a caller who hears nothing. So it is repaired (repairSettings) and the problems
 * are returned beside it; the admin editor shows them until a saved document fixes them.
 */
export async function loadSettings(
  db: Queryable,
): Promise<{ settings: HotlineSettings; version: number; problems?: SettingsProblem[] }> {
  const { value, version } = await loadSettingsRow(db);
  return { ...repairSettings(value), version };
}

/**
 * The stored value as a valid document. A section that breaks a rule keeps every field of its
 * own that is valid in place of the default's (so a corrupt auto-lock time does not also turn
 * off "require passkeys"), and falls back to its default only when even that does not validate.
 */
export function repairSettings(value: unknown): { settings: HotlineSettings; problems?: SettingsProblem[] } {
  const parsed = HotlineSettings.safeParse(value);
  if (parsed.success) return { settings: parsed.data };
  const stored = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const repaired: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const section of SETTINGS_SECTIONS) {
    const schema = HotlineSettings.shape[section] as z.ZodType;
    const whole = schema.safeParse(stored[section]);
    if (whole.success) repaired[section] = whole.data;
    else repaired[section] = salvageFields(schema, DEFAULT_SETTINGS[section], stored[section]);
  }
  return {
    settings: HotlineSettings.parse(repaired),
    problems: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  };
}

/** An object section: the default, with each stored field that validates on its own put back. */
function salvageFields(schema: z.ZodType, fallback: unknown, stored: unknown): unknown {
  if (
    !stored ||
    typeof stored !== 'object' ||
    Array.isArray(stored) ||
    !fallback ||
    typeof fallback !== 'object'
  )
    return fallback;
  if (Array.isArray(fallback)) return fallback;
  let current = fallback as Record<string, unknown>;
  for (const [key, field] of Object.entries(stored as Record<string, unknown>)) {
    if (!(key in current)) continue;
    const candidate = { ...current, [key]: field };
    const ok = schema.safeParse(candidate);
    if (ok.success) current = ok.data as Record<string, unknown>;
  }
  return current;
}

/**
 * The stored document with defaults filled in, not yet validated: a whole-document write must
 * still work when the stored one has gone bad, so that an admin can repair it.
 */
export async function loadSettingsRow(db: Queryable): Promise<{ value: unknown; version: number }> {
  const [row] = await db.query<{ value: unknown; version: number }>(
    'select value, version from hotline_settings where id = 1',
  );
  if (!row) return { value: DEFAULT_SETTINGS, version: 0 };
  return { value: { ...DEFAULT_SETTINGS, ...(row.value as object) }, version: Number(row.version) };
}

/**
 * Saves a whole, already validated document. `expectedVersion` makes concurrent admin edits
 * safe: the second writer gets false and must reload instead of silently overwriting.
 */
export async function saveSettings(
  db: Queryable,
  settings: HotlineSettings,
  expectedVersion: number,
  by: string | null,
  now: Date,
): Promise<number | null> {
  const rows = await db.query<{ version: number }>(
    `insert into hotline_settings as s (id, value, version, updated_at, updated_by) values (1, $1::jsonb, 1, $3, $4)
     on conflict (id) do update set value = excluded.value, version = s.version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
       where s.version = $2
     returning version`,
    [JSON.stringify(settings), expectedVersion, now, by],
  );
  return rows[0] ? Number(rows[0].version) : null;
}

/** One provider's stored credentials: the sealed JSON object, and a clear copy of its (published) numbers. */
export interface CredentialRow {
  provider: string;
  sealed: string;
  phoneNumbers: string[];
  updatedAt: Date;
  updatedBy: string | null;
}

interface RawCredentialRow {
  provider: string;
  sealed: string;
  phone_numbers: string[];
  updated_at: Date | string;
  updated_by: string | null;
}

const fromCredentialRow = (r: RawCredentialRow): CredentialRow => ({
  provider: r.provider,
  sealed: r.sealed,
  phoneNumbers: r.phone_numbers,
  updatedAt: new Date(r.updated_at),
  updatedBy: r.updated_by,
});

export async function listCredentialRows(db: Queryable): Promise<CredentialRow[]> {
  const rows = await db.query<RawCredentialRow>('select * from provider_credentials order by provider');
  return rows.map(fromCredentialRow);
}

export async function readCredentialRow(db: Queryable, provider: string): Promise<CredentialRow | null> {
  return oneRow(db, 'select * from provider_credentials where provider = $1', [provider], fromCredentialRow);
}

const documents = sealedDocuments('provider_credentials', 'provider', 'phone_numbers');

/** Inserts or replaces a provider's row in one statement. */
export const writeCredentialRow = (db: Queryable, row: CredentialRow): Promise<void> =>
  documents.write(db, row.provider, row.phoneNumbers, row);

/** True if a row was deleted. */
export const deleteCredentialRow = (db: Queryable, provider: string): Promise<boolean> =>
  documents.remove(db, provider);

/** Arbitrary constant naming the provider-credentials write lock among PostgreSQL advisory locks. */
const CREDENTIALS_LOCK = 7_406_202_602;

/**
 * Serializes credential writes (held to the end of the transaction), so two admins cannot give
 * the same number to two providers at once: each checks the others' numbers under this lock.
 */
export async function lockCredentialWrites(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1)', [CREDENTIALS_LOCK]);
}

/** Which of `numbers` another provider than `provider` already holds. */
export async function numbersHeldElsewhere(
  db: Queryable,
  provider: string,
  numbers: readonly string[],
): Promise<{ provider: string; phoneNumber: string }[]> {
  if (!numbers.length) return [];
  return db.query<{ provider: string; phoneNumber: string }>(
    `select c.provider, n.value as "phoneNumber"
       from provider_credentials c, jsonb_array_elements_text(c.phone_numbers) n
      where c.provider <> $1 and n.value = any($2::text[])
      order by c.provider, n.value`,
    [provider, numbers],
  );
}

/** Every provider's hotline numbers (the clear copy beside the sealed credentials), by provider. */
export async function listProviderNumbers(
  db: Queryable,
): Promise<{ provider: string; phoneNumbers: string[] }[]> {
  const rows = await db.query<{ provider: string; phone_numbers: string[] }>(
    'select provider, phone_numbers from provider_credentials order by provider',
  );
  return rows.map((r) => ({ provider: r.provider, phoneNumbers: r.phone_numbers ?? [] }));
}

/** The provider whose numbers include `phoneNumber` (the called number decides the provider). */
export async function providerOfNumber(db: Queryable, phoneNumber: string): Promise<string | null> {
  const [row] = await db.query<{ provider: string }>(
    `select provider from provider_credentials where phone_numbers @> $1::jsonb limit 1`,
    [JSON.stringify([phoneNumber])],
  );
  return row?.provider ?? null;
}
