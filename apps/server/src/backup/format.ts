import { z } from 'zod';

/**
 * The Llamenos backup file: JSON Lines (one JSON value per line, UTF-8, `\n` separated).
 *
 *   line 1      header   {"format":"llamenos-backup","version":1,"createdAt":"…","database":"pglite",
 *                         "migrations":["audit/001-…",…],"tables":["users",…],
 *                         "columns":{"users":[["id","text"],["created_at","timestamp with time zone"],…],…},
 *                         "rowCounts":{"users":12,…}}
 *   lines 2…    rows     {"t":"users","r":["6f1c…","2025-01-31 22:00:00.123456+00",…]}
 *   last line   trailer  {"end":true,"rows":<total rows>}
 *
 * - `tables` lists every table of the public schema except schema_migrations (whose content
 *   is `migrations`), parents before children so a restore can insert in file order.
 * - `columns` gives each table's columns in order with their SQL type; a row's `r` holds its
 *   values in that order.
 * - Every value is PostgreSQL's own text form of the value (as `value::text` prints it, with
 *   DateStyle ISO, TimeZone UTC), or null for SQL NULL; restoring casts it back with
 *   `::<type>`. That round-trips every type exactly (microsecond timestamps, int8 beyond 2^53,
 *   jsonb, numeric, bytea) without a JavaScript type in between.
 * - Rows of one table are contiguous and appear in the order of `tables`.
 * - The trailer and `rowCounts` let a reader tell a complete file from a truncated one.
 *
 * The file holds everything the database holds (sealed secrets, hashes, encrypted notes):
 * protect it like the database itself.
 */
export const BACKUP_FORMAT = 'llamenos-backup';
export const BACKUP_VERSION = 1;

const Identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase SQL identifier');
const ColumnType = z.string().regex(/^[a-z0-9_ ,()[\]".]{1,100}$/, 'an SQL type name');

export const BackupHeader = z
  .object({
    format: z.literal(BACKUP_FORMAT),
    version: z.literal(BACKUP_VERSION),
    createdAt: z.iso.datetime(),
    database: z.enum(['pglite', 'postgres']),
    migrations: z.array(z.string().min(1).max(200)),
    tables: z.array(Identifier),
    columns: z.record(Identifier, z.array(z.tuple([Identifier, ColumnType])).min(1)),
    rowCounts: z.record(Identifier, z.number().int().min(0)),
  })
  .strict()
  .superRefine((h, ctx) => {
    const names = new Set(h.tables);
    if (names.size !== h.tables.length) ctx.addIssue({ code: 'custom', message: 'a table is listed twice' });
    for (const key of ['columns', 'rowCounts'] as const) {
      const keys = Object.keys(h[key]);
      if (keys.length !== names.size || keys.some((k) => !names.has(k)))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} must have exactly one entry per table`,
        });
    }
  });
export type BackupHeader = z.infer<typeof BackupHeader>;

/** One row: its table and its values (PostgreSQL text forms) in the header's column order. */
export interface RowLine {
  t: string;
  r: (string | null)[];
}

export interface TrailerLine {
  end: true;
  rows: number;
}

/** A quoted SQL identifier. Names come from the catalog or a validated header, never from users. */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Settings that make `::text` output and input identical on every server, whatever its
 * configuration: ISO dates, UTC offsets, full float precision.
 */
export const STABLE_TEXT_SETTINGS = [
  "set local datestyle = 'ISO, YMD'",
  "set local timezone = 'UTC'",
  "set local intervalstyle = 'postgres'",
  'set local extra_float_digits = 3',
  "set local bytea_output = 'hex'",
];
