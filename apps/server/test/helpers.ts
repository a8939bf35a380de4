import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuthHeader, generateSecretKey, getPublicKey } from '@llamenos/crypto';
import type { Hono } from 'hono';
import { type Config, loadConfig } from '../src/config.js';
import { type ContextOverrides, createContext } from '../src/context.js';
import type { Database } from '../src/db/database.js';
import { openPglite } from '../src/db/pglite.js';
import { openPostgres } from '../src/db/postgres.js';
import { createApp } from '../src/http/app.js';
import type { AppEnv, ServerContext } from '../src/http/context.js';
import { createLogger } from '../src/logging.js';
import { PGLITE_TEMPLATE_ENV, POSTGRES_TEMPLATE_ENV } from './global-setup.js';

/**
 * Tests run against PGlite, or against a real PostgreSQL server when
 * LLAMENOS_TEST_DATABASE_URL names one (the test command starts a private cluster for that):
 * each test database is created fresh and dropped at the end.
 */
/**
 * A load signal that always reads idle (calls/admission.ts). Server tests assert what happens at
 * normal load, so a busy test machine (CI's two shared cores) must not change how many phones a
 * call rings; the tests of shedding itself give a signal of their own.
 */
export const steadyLoad = (): NonNullable<ContextOverrides['load']> => ({
  signal: { read: () => ({ eventLoopDelayMs: 0, waitingWork: 0 }), stop: () => {} },
});

export const TEST_PG_URL = process.env.LLAMENOS_TEST_DATABASE_URL;
export const PUBLIC_URL = 'http://127.0.0.1:3000';

export async function openTestDatabase(): Promise<{ db: Database; url?: string; drop: () => Promise<void> }> {
  if (!TEST_PG_URL) {
    const db = await openPglite(undefined, { from: await migratedTemplate() });
    return { db, drop: async () => {} };
  }
  const name = `llamenos_test_${randomUUID().replace(/-/g, '')}`;
  const admin = await openPostgres(TEST_PG_URL, 1);
  // The migrated template test/global-setup.ts made for this run; outside Vitest none (empty database).
  const template = process.env[POSTGRES_TEMPLATE_ENV];
  if (template && !/^[a-z0-9_]+$/.test(template)) throw new Error(`bad template database name ${template}`);
  await admin.exec(`create database ${name}${template ? ` template ${template}` : ''}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString());
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await admin.exec(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
}

let template: Promise<Blob | undefined> | undefined;

/**
 * The migrated empty database that test/global-setup.ts dumped once for the whole run: starting
 * from it skips PGlite's initdb and the migrations (about a second per database; hundreds of
 * databases per run). Outside Vitest (bench scripts) there is none and each database starts empty.
 */
function migratedTemplate(): Promise<Blob | undefined> {
  const file = process.env[PGLITE_TEMPLATE_ENV];
  template ??= file ? readFile(file).then((bytes) => new Blob([bytes])) : Promise.resolve(undefined);
  return template;
}

/** Removes the temporary attachment store a test config was given (never a real DATA_DIR). */
export async function removeTestBlobDir(config: Config): Promise<void> {
  if (
    path.basename(config.blobDir).startsWith('llamenos-test-blobs-') &&
    path.dirname(config.blobDir) === tmpdir()
  )
    await rm(config.blobDir, { recursive: true, force: true });
}

/** The config of a test server listening on loopback at `port`, its public address there too. */
export const loopbackConfig = (port: number, overrides: Record<string, string> = {}): Config =>
  testConfig({ HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...overrides });

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    LLAMENOS_ENV: 'test',
    PUBLIC_URL,
    SERVER_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: '/nonexistent-test-data-dir',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

export interface TestUser {
  id: string;
  pubkey: string;
  secretKey: Uint8Array;
  roles: string[];
}

export interface TestHotline {
  ctx: ServerContext;
  app: Hono<AppEnv>;
  /** Moves the server clock (for expiry tests). */
  setNow(date: Date): void;
  /** Adds an active user with `roles` directly in the database. */
  addUser(roles: string[], name?: string): Promise<TestUser>;
  /** Sends a request, NIP-98-signed by `as` when given. */
  request(
    method: string,
    path: string,
    options?: { as?: TestUser | Uint8Array; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A hotline app on a fresh test database, answering requests in-process (no HTTP server, no
 * relay). `contextOverrides` go to the context builder, e.g. telephony pointed at a fake API.
 */
export async function createTestHotline(
  configOverrides: Record<string, string> = {},
  contextOverrides: Pick<ContextOverrides, 'telephony'> = {},
): Promise<TestHotline> {
  const { db, drop } = await openTestDatabase();
  const config = testConfig(configOverrides);
  let now: Date | null = null;
  const ctx = await createContext(config, createLogger('silent'), {
    load: steadyLoad(),
    ...contextOverrides,
    db,
    now: () => now ?? new Date(),
  });
  const app = createApp(ctx);
  return {
    ctx,
    app,
    setNow: (date) => {
      now = date;
    },
    async addUser(roles, name = 'Test user') {
      const secretKey = generateSecretKey();
      const pubkey = getPublicKey(secretKey);
      const id = randomUUID();
      const at = ctx.now();
      await db.query(
        'insert into users (id, pubkey, display_name, roles, created_at, updated_at) values ($1, $2, $3, $4::jsonb, $5, $5)',
        [id, pubkey, name, JSON.stringify(roles), at],
      );
      return { id, pubkey, secretKey, roles };
    },
    async request(method, path, options = {}) {
      const body =
        options.body === undefined
          ? undefined
          : typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body);
      const headers: Record<string, string> = {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      };
      if (options.as) {
        const key = options.as instanceof Uint8Array ? options.as : options.as.secretKey;
        headers.authorization = createAuthHeader(
          { url: `${PUBLIC_URL}${path}`, method, body: body ?? '' },
          key,
          Math.floor(ctx.now().getTime() / 1000),
        );
      }
      return app.request(`${PUBLIC_URL}${path}`, { method, headers, body });
    },
    async close() {
      await db.close();
      await drop();
      await removeTestBlobDir(ctx.config);
    },
  };
}
