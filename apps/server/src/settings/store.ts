import { DEFAULT_SETTINGS, HotlineSettings } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';

/**
 * Reads the settings document. A stored document that no longer validates (hand-edited, or
 * from a newer version) is reported, and defaults fill only what is missing.
 */
export async function loadSettings(db: Queryable): Promise<{ settings: HotlineSettings; version: number }> {
  const [row] = await db.query<{ value: unknown; version: number }>(
    'select value, version from hotline_settings where id = 1',
  );
  if (!row) return { settings: DEFAULT_SETTINGS, version: 0 };
  const merged = { ...DEFAULT_SETTINGS, ...(row.value as object) };
  const parsed = HotlineSettings.safeParse(merged);
  if (!parsed.success) throw new Error(`stored settings are invalid: ${parsed.error.issues[0]?.message}`);
  return { settings: parsed.data, version: Number(row.version) };
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
