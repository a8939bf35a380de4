import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.js';

const wrap = (target: PGlite | Transaction): Queryable => ({
  async query<T>(sql: string, params: readonly unknown[] = []) {
    const result = await target.query<T>(sql, params as unknown[]);
    return result.rows;
  },
  async exec(sql: string) {
    await target.exec(sql);
  },
});

/** The embedded database: PostgreSQL compiled to WASM, in `dataDir` (or memory when omitted). */
export async function openPglite(dataDir?: string): Promise<Database> {
  const pg = await PGlite.create(dataDir ? { dataDir } : {});
  const base = wrap(pg);
  return {
    kind: 'pglite',
    ...base,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => pg.close(),
  };
}
