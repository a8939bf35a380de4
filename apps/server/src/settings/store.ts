import { DEFAULT_SETTINGS, HotlineSettings } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';

/**
 * Reads the settings document. A stored document that no longer validates (hand-edited, or
 * from a newer version) is reported, and defaults fill only what is missing.
 */
export async function loadSettings(db: Queryable): Promise<{ settings: HotlineSettings; version: number }> {
  const { value, version } = await loadSettingsRow(db);
  const parsed = HotlineSettings.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`stored settings are invalid at ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { settings: parsed.data, version };
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
  const [row] = await db.query<RawCredentialRow>('select * from provider_credentials where provider = $1', [
    provider,
  ]);
  return row ? fromCredentialRow(row) : null;
}

/** Inserts or replaces a provider's row in one statement. */
export async function writeCredentialRow(db: Queryable, row: CredentialRow): Promise<void> {
  await db.query(
    `insert into provider_credentials (provider, sealed, phone_numbers, updated_at, updated_by)
     values ($1, $2, $3::jsonb, $4, $5)
     on conflict (provider) do update set sealed = excluded.sealed, phone_numbers = excluded.phone_numbers,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [row.provider, row.sealed, JSON.stringify(row.phoneNumbers), row.updatedAt, row.updatedBy],
  );
}

/** True if a row was deleted. */
export async function deleteCredentialRow(db: Queryable, provider: string): Promise<boolean> {
  const rows = await db.query('delete from provider_credentials where provider = $1 returning provider', [
    provider,
  ]);
  return rows.length > 0;
}

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

/** The provider whose numbers include `phoneNumber` (the called number decides the provider). */
export async function providerOfNumber(db: Queryable, phoneNumber: string): Promise<string | null> {
  const [row] = await db.query<{ provider: string }>(
    `select provider from provider_credentials where phone_numbers @> $1::jsonb limit 1`,
    [JSON.stringify([phoneNumber])],
  );
  return row?.provider ?? null;
}
