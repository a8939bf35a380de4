import type { Queryable } from '../db/database.js';

/** A table of the public schema as the system catalog describes it. */
export interface TableInfo {
  name: string;
  /** Columns in their order, with their SQL type as format_type prints it. */
  columns: [name: string, type: string][];
  primaryKey: string[];
  /** Tables this one references through foreign keys (itself excluded). */
  parents: string[];
  /** Sequences owned by a column (serial / identity), to be moved past restored values. */
  sequences: { column: string; sequence: string }[];
}

/** Bookkeeping of the migration runner: its content travels as the header's `migrations`. */
export const MIGRATIONS_TABLE = 'schema_migrations';

/** Every ordinary table of the public schema except the migrations table, parents before children. */
export async function readCatalog(db: Queryable): Promise<TableInfo[]> {
  const columns = await db.query<{ table: string; column: string; type: string }>(
    `select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid
      where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0
        and not a.attisdropped and a.attgenerated = ''
      order by c.relname, a.attnum`,
  );
  const keys = await db.query<{ table: string; column: string }>(
    `select c.relname as table, a.attname as column
       from pg_index i
       join pg_class c on c.oid = i.indrelid
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey)
      where n.nspname = 'public' and i.indisprimary
      order by c.relname, array_position(i.indkey::int2[], a.attnum)`,
  );
  const references = await db.query<{ child: string; parent: string }>(
    `select distinct c.relname as child, p.relname as parent
       from pg_constraint f
       join pg_class c on c.oid = f.conrelid
       join pg_class p on p.oid = f.confrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and f.contype = 'f' and c.oid <> p.oid`,
  );
  const sequences = await db.query<{ table: string; column: string; sequence: string }>(
    `select c.relname as table, a.attname as column, s.relname as sequence
       from pg_depend d
       join pg_class s on s.oid = d.objid and s.relkind = 'S'
       join pg_class c on c.oid = d.refobjid
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum = d.refobjsubid
      where n.nspname = 'public' and d.deptype in ('a', 'i')`,
  );

  const tables = new Map<string, TableInfo>();
  for (const { table, column, type } of columns) {
    if (table === MIGRATIONS_TABLE) continue;
    let info = tables.get(table);
    if (!info) {
      info = { name: table, columns: [], primaryKey: [], parents: [], sequences: [] };
      tables.set(table, info);
    }
    info.columns.push([column, type]);
  }
  for (const k of keys) tables.get(k.table)?.primaryKey.push(k.column);
  for (const r of references) tables.get(r.child)?.parents.push(r.parent);
  for (const s of sequences) tables.get(s.table)?.sequences.push({ column: s.column, sequence: s.sequence });
  return parentsFirst([...tables.values()]);
}

/**
 * Orders tables so that each comes after the tables it references (a topological sort,
 * alphabetical among equals so backups are reproducible). Tables in a reference cycle keep
 * alphabetical order at the end; restoring those relies on deferrable constraints.
 */
function parentsFirst(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const placed = new Set<string>();
  const ordered: TableInfo[] = [];
  const remaining = [...tables].sort((a, b) => a.name.localeCompare(b.name));
  let progress = true;
  while (remaining.length && progress) {
    progress = false;
    for (let i = 0; i < remaining.length; i++) {
      const t = remaining[i]!;
      if (t.parents.every((p) => placed.has(p) || !byName.has(p))) {
        ordered.push(t);
        placed.add(t.name);
        remaining.splice(i, 1);
        progress = true;
        break;
      }
    }
  }
  return [...ordered, ...remaining];
}
