import type { Database } from './database.js';

/** One schema change, owned by a module: `<module>/<NNN>-<what>`. Never edited once shipped. */
export interface Migration {
  id: string;
  sql: string;
}

/** Arbitrary constant naming the migration lock among PostgreSQL advisory locks. */
const MIGRATION_LOCK = 7_406_202_601;

/**
 * Applies pending migrations in order, in one transaction holding an advisory lock, so two
 * server processes started together never race: the second waits, then finds nothing to do.
 */
export async function migrate(db: Database, migrations: readonly Migration[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
    ids.add(m.id);
  }
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(
      'create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())',
    );
    const done = new Set(
      (await tx.query<{ id: string }>('select id from schema_migrations')).map((r) => r.id),
    );
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (id) values ($1)', [m.id]);
      applied.push(m.id);
    }
    return applied;
  });
}

/** Ids of migrations not yet applied (for the readiness check). */
export async function pendingMigrations(db: Database, migrations: readonly Migration[]): Promise<string[]> {
  const exists = await db.query<{ t: string | null }>("select to_regclass('schema_migrations')::text as t");
  if (!exists[0]?.t) return migrations.map((m) => m.id);
  const done = new Set((await db.query<{ id: string }>('select id from schema_migrations')).map((r) => r.id));
  return migrations.filter((m) => !done.has(m.id)).map((m) => m.id);
}
