import { availableParallelism } from 'node:os';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { DATABASE_FREE_TEST_FILES } from './apps/server/test/database-free.js';

/**
 * Server test files about the embedded database alone: they run the CLI or open PGlite directly
 * and never read LLAMENOS_TEST_DATABASE_URL, so the PostgreSQL pass of `npm test` (which sets it)
 * would only run them a second time, identically. Each says so in its header.
 */
const EMBEDDED_DATABASE_ONLY = [
  'apps/server/test/crash.test.ts',
  'apps/server/test/data-dir-lock.test.ts',
  'apps/server/test/single-executable.test.ts',
];
const onPostgres = Boolean(process.env.LLAMENOS_TEST_DATABASE_URL);
/** Left out of the PostgreSQL pass: the files above, and those that open no database at all. */
const PGLITE_PASS_ONLY = [...EMBEDDED_DATABASE_ONLY, ...DATABASE_FREE_TEST_FILES];

// Workspace packages are resolved to their TypeScript sources through the "llamenos-source"
// export condition, so tests never depend on a previous build.
export default defineConfig({
  resolve: { conditions: ['llamenos-source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['llamenos-source', ...defaultServerConditions] } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'apps/server/src/**/*.test.ts',
      'apps/server/test/**/*.test.ts',
      'apps/web/test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**', ...(onPostgres ? PGLITE_PASS_ONLY : [])],
    // One migrated PGlite database dumped for the run; every test database starts from it.
    globalSetup: ['apps/server/test/global-setup.ts'],
    // Test files run in parallel in child processes (forks: a crash or a stray process.exit in one
    // file cannot take the others down, and tests that spawn the server get a normal process).
    // Vitest's default is one worker fewer than the CPUs: a single worker on CI's 2 cores, where the
    // main process is mostly idle. The suites are CPU-bound (PGlite's WASM start and migrations,
    // ~1.5 s per database; crypto property tests), so use every core. Each worker holds one
    // file's databases at a time (~100 MB each). Override with `vitest run --maxWorkers=N`.
    pool: 'forks',
    maxWorkers: Math.max(2, availableParallelism()),
    // Every file gets fresh module state: modules keep registries and caches, and files written by
    // different people must not be able to affect each other.
    isolate: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
