/**
 * The conformance kit (test-vectors/CONFORMANCE.md) describes all of test-vectors/v1.json:
 * every vector set and every field, the exact error codes of each negative set, and the
 * standards' vectors that also apply. Whatever is added to the vectors must be described
 * there before this passes, and every error code it names must exist in src/errors.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VECTORS_PATH } from '../scripts/generate-vectors.js';
import * as api from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of known shape
type Json = any;

const KIT_URL = new URL('../test-vectors/CONFORMANCE.md', import.meta.url);
const KIT = existsSync(KIT_URL) ? readFileSync(KIT_URL, 'utf8') : '';
const V: Json = JSON.parse(readFileSync(VECTORS_PATH, 'utf8'));
const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const ERROR_CODES = [...read('../src/errors.ts').matchAll(/\|\s*'([A-Z_]+)'/g)].map((m) => m[1]!);

/** Backticked spans of the kit. */
const spans = new Set([...KIT.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!));

/** Whether the kit names `path` in backticks; a `<word>` segment there stands for any segment. */
function named(path: string): boolean {
  const segments = path.split('.');
  return [...spans].some((span) => {
    const parts = span.split('.');
    return parts.length === segments.length && parts.every((p, i) => p === segments[i] || /^<\w+>$/.test(p));
  });
}

const METADATA = new Set(['protocol', 'version', 'description', 'randomness', 'fixedTime']);
const isContainer = (x: unknown): boolean => typeof x === 'object' && x !== null;

/** Top-level sets, and second-level ones where a section holds several. */
const vectorSets = Object.entries<Json>(V)
  .filter(([key]) => !METADATA.has(key))
  .flatMap(([key, value]) => {
    if (Array.isArray(value)) return [key];
    const children = Object.entries<Json>(value).filter(([, v]) => isContainer(v));
    return children.length === 0 ? [key] : children.map(([child]) => `${key}.${child}`);
  });

/** Field names of the vectors; the insides of Nostr events, envelopes and audit payloads are not fields. */
function fieldNames(): Set<string> {
  const names = new Set<string>();
  const payload = new Set(['entry', 'details', 'value', 'envelope', 'constants']);
  const walk = (node: Json, parent: string): void => {
    if (Array.isArray(node)) for (const item of node) walk(item, parent);
    else if (isContainer(node)) {
      if (payload.has(parent) || ('sig' in node && 'id' in node)) return;
      for (const [key, value] of Object.entries<Json>(node)) {
        names.add(key);
        walk(value, key);
      }
    }
  };
  walk(V, '');
  for (const set of vectorSets) for (const segment of set.split('.')) names.delete(segment);
  return names;
}

/** Negative sets: path (without indexes) → the error codes its vectors expect. */
function negativeSets(): Map<string, Set<string>> {
  const sets = new Map<string, Set<string>>();
  const walk = (node: Json, path: string[]): void => {
    if (Array.isArray(node)) for (const item of node) walk(item, path);
    else if (isContainer(node)) {
      if (typeof node.expectError === 'string') {
        const key = path.join('.');
        sets.set(key, (sets.get(key) ?? new Set()).add(node.expectError));
      }
      for (const [key, value] of Object.entries<Json>(node)) walk(value, [...path, key]);
    }
  };
  walk(V, []);
  return sets;
}

describe('test-vectors/CONFORMANCE.md describes the vectors', () => {
  it('exists and is linked from the README and PROTOCOL.md', () => {
    expect(KIT.length, 'packages/crypto/test-vectors/CONFORMANCE.md').toBeGreaterThan(0);
    expect(read('../../../README.md')).toContain('packages/crypto/test-vectors/CONFORMANCE.md');
    expect(read('../../../docs/PROTOCOL.md')).toContain('../packages/crypto/test-vectors/CONFORMANCE.md');
  });

  it('names every vector set of v1.json', () => {
    expect(vectorSets.length).toBeGreaterThan(30);
    const missing = vectorSets.filter((path) => !named(path));
    expect(missing, 'vector sets of v1.json not described in CONFORMANCE.md').toEqual([]);
  });

  it('names every field of every vector', () => {
    const fields = [...fieldNames()];
    expect(fields.length).toBeGreaterThan(100);
    const missing = fields.filter((f) => !spans.has(f)).sort();
    expect(missing, 'fields of v1.json not described in CONFORMANCE.md').toEqual([]);
  });

  it('gives, for each negative set, exactly the error codes its vectors expect', () => {
    const rows = KIT.split('\n').filter((l) => l.startsWith('| `'));
    const sets = negativeSets();
    expect(sets.size).toBeGreaterThan(10);
    for (const [path, codes] of sets) {
      const row = rows.find((r) => r.startsWith(`| \`${path}\``));
      expect(row, `CONFORMANCE.md has a row for the negative set ${path}`).toBeDefined();
      const listed = new Set(
        [...row!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!).filter((c) => ERROR_CODES.includes(c)),
      );
      expect([...listed].sort(), `error codes of ${path}`).toEqual([...codes].sort());
    }
  });

  it('every error code it names exists in src/errors.ts, and it lists them all', () => {
    expect(ERROR_CODES.length).toBeGreaterThanOrEqual(11);
    const expectedCells = KIT.split('\n')
      .filter((l) => l.startsWith('| `') && l.includes('egatives'))
      .map((l) => l.split('|').at(-2)!);
    expect(expectedCells.length).toBeGreaterThan(10);
    for (const cell of expectedCells)
      for (const [, code] of cell.matchAll(/`([^`]+)`/g))
        expect(ERROR_CODES, `code in "${cell.trim()}"`).toContain(code);
    const list = KIT.match(/The complete list of codes[^:]*:([^.]*)\./);
    expect(list, 'CONFORMANCE.md has "The complete list of codes …: …."').not.toBeNull();
    expect([...list![1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort()).toEqual([...ERROR_CODES].sort());
    // Any other upper-case word that is neither a constant of the code nor an environment variable.
    const defined = (name: string) => (api as Record<string, unknown>)[name] !== undefined;
    const codeLike = [...spans].filter(
      (s) => /^[A-Z]+(_[A-Z]+)*$/.test(s) && !defined(s) && !s.startsWith('LLAMENOS_'),
    );
    for (const code of codeLike) expect(ERROR_CODES, `CONFORMANCE.md names ${code}`).toContain(code);
  });

  it("names every standards' vector file the standards test runs", () => {
    const standards = read('./standards.test.ts');
    const files = [
      ...[...standards.matchAll(/readVector\('([^']+)'\)/g)].map((m) => m[1]!),
      ...[...standards.matchAll(/wycheproof<\w+>\('([^']+)'\)/g)].map((m) => m[1]!),
    ];
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) expect(KIT, `CONFORMANCE.md names ${file}`).toContain(file);
  });
});
