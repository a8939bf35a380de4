import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { openPglite } from '../src/db/pglite.js';
import { openPostgres } from '../src/db/postgres.js';
import { ALL_MIGRATIONS } from '../src/modules.js';

/** Where the migrated template database is, for test/helpers.ts in every test worker. */
export const PGLITE_TEMPLATE_ENV = 'LLAMENOS_TEST_PGLITE_TEMPLATE';
/** The name of the migrated template database on the PostgreSQL server, for test/helpers.ts. */
export const POSTGRES_TEMPLATE_ENV = 'LLAMENOS_TEST_POSTGRES_TEMPLATE';

/**
 * Vitest global set-up: one empty database with every migration applied is made once per run, and
 * each test database starts from it (test/helpers.ts) instead of applying every migration again.
 * On PGlite it is dumped to a file; on PostgreSQL (LLAMENOS_TEST_DATABASE_URL) it is a database
 * that each test database is created from (`create database … template …`).
 */
export async function setup(): Promise<() => Promise<void>> {
  const serverUrl = process.env.LLAMENOS_TEST_DATABASE_URL;
  if (serverUrl) return postgresTemplate(serverUrl);
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

/**
 * A migrated database on the PostgreSQL server to copy test databases from: about a third of a
 * second less per test database than migrating each (hundreds per run). PostgreSQL copies a
 * template only while nobody is connected to it, so the set-up closes its connections at once.
 */
async function postgresTemplate(serverUrl: string): Promise<() => Promise<void>> {
  const name = `llamenos_test_template_${process.pid}_${Date.now()}`;
  const admin = await openPostgres(serverUrl, 1);
  try {
    await admin.exec(`create database ${name}`);
  } finally {
    await admin.close();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), 1);
  try {
    await migrate(db, ALL_MIGRATIONS);
  } finally {
    await db.close();
  }
  process.env[POSTGRES_TEMPLATE_ENV] = name;
  return async () => {
    const admin = await openPostgres(serverUrl, 1);
    await admin.exec(`drop database if exists ${name} with (force)`);
    await admin.close();
  };
}
