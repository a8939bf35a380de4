import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DATABASE_FREE_TEST_FILES } from './database-free.js';

/**
 * The files the PostgreSQL pass leaves out (database-free.ts) must not reach for a database:
 * neither the file nor a test helper it imports, directly or through another, may open one,
 * build a server context, start a server process or read a database URL. Product modules are
 * not followed: importing one opens nothing; a database comes from the test's own set-up.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** What opens a database, or hands a test one, in test code. */
const REACHES_DATABASE =
  /\b(?:openTestDatabase|createTestHotline|openPglite|openPostgres|createContext|DATABASE_URL|TEST_PG_URL)\b|\/(?:cli|serve)-process\.js/;

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The TypeScript file a relative import names, or null. */
function resolveImport(from: string, specifier: string): string | null {
  const target = path.resolve(path.dirname(from), specifier);
  for (const candidate of [target.replace(/\.js$/, '.ts'), target, `${target}.ts`])
    if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
  return null;
}

/** Test code: anything under apps/server/test, a test file, or a helper next to the tests in src. */
const isTestCode = (file: string) =>
  file.includes(`${path.sep}apps${path.sep}server${path.sep}test${path.sep}`) ||
  /\.test\.ts$|(?:helpers|fixture|fixtures|harness|fakes?)[^/\\]*\.ts$/.test(file);

/** The chain of imports by which `file` reaches a database (`a.ts → b.ts: openPglite`), or null. */
export function reachesDatabase(file: string, seen = new Set<string>()): string | null {
  if (seen.has(file)) return null;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  const name = path.relative(ROOT, file);
  const direct = REACHES_DATABASE.exec(source);
  if (direct) return `${name}: ${direct[0]}`;
  for (const [, specifier] of source.matchAll(IMPORT)) {
    const target = resolveImport(file, specifier!);
    if (!target || !isTestCode(target)) continue;
    const via = reachesDatabase(target, seen);
    if (via) return `${name} → ${via}`;
  }
  return null;
}

describe('the server test files the PostgreSQL pass leaves out', () => {
  it('are server test files that exist, each listed once', () => {
    expect(new Set(DATABASE_FREE_TEST_FILES).size).toBe(DATABASE_FREE_TEST_FILES.length);
    for (const file of DATABASE_FREE_TEST_FILES) {
      expect(file).toMatch(/^apps\/server\/(src|test)\/.+\.test\.ts$/);
      expect(existsSync(path.join(ROOT, file)), file).toBe(true);
    }
  });

  it('recognises a file that uses a database, directly or through a helper (the check checks something)', () => {
    expect(reachesDatabase(path.join(ROOT, 'apps/server/test/crash.test.ts'))).toMatch(
      /openPglite|cli-process/,
    );
    expect(reachesDatabase(path.join(ROOT, 'apps/server/test/body-fuzz.test.ts'))).toBe(
      'apps/server/test/body-fuzz.test.ts: createTestHotline',
    );
    expect(reachesDatabase(path.join(ROOT, 'apps/server/src/realtime/relay.test.ts'))).not.toBeNull();
  });

  it('never reach for a database', () => {
    const reaching = DATABASE_FREE_TEST_FILES.map((file) => reachesDatabase(path.join(ROOT, file))).filter(
      (chain) => chain !== null,
    );
    expect(reaching, 'take these off apps/server/test/database-free.ts').toEqual([]);
  });
});
