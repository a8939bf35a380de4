import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { openPglite } from '../src/db/pglite.js';
import { ALL_MIGRATIONS } from '../src/modules.js';

/** Where the migrated template database is, for test/helpers.ts in every test worker. */
export const PGLITE_TEMPLATE_ENV = 'LLAMENOS_TEST_PGLITE_TEMPLATE';

/**
 * Vitest global set-up: on PGlite, one empty database with every migration applied is dumped to a
 * file once per run, and each test database starts from it (test/helpers.ts). On PostgreSQL
 * (LLAMENOS_TEST_DATABASE_URL) every test database is created and migrated as before.
 */
export async function setup(): Promise<() => Promise<void>> {
  if (process.env.LLAMENOS_TEST_DATABASE_URL) return async () => {};
  const db = await openPglite();
  await migrate(db, ALL_MIGRATIONS);
  const file = path.join(tmpdir(), `llamenos-test-template-${process.pid}.tar`);
  await writeFile(file, new Uint8Array(await (await db.dumpDataDir()).arrayBuffer()));
  await db.close();
  process.env[PGLITE_TEMPLATE_ENV] = file;
  return async () => {
    await rm(file, { force: true });
  };
}
