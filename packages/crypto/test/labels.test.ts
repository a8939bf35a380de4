/**
 * Domain-separation labels: all distinct, spelled in labels.ts only, and each object
 * kind uses different labels for its content and its key wraps.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as crypto from '../src/index.js';
import { PROTOCOL_SALT, PURPOSES } from '../src/index.js';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const labelExports = Object.entries(crypto).filter(
  (entry): entry is [string, string] => entry[0].startsWith('LABEL_') && typeof entry[1] === 'string',
);

/** A string literal (any quote style) that starts with the protocol's label prefix. */
const LABEL_LITERAL = /(['"`])llamenos\//;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function labelLiterals(files: string[]): string[] {
  const hits: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (LABEL_LITERAL.test(line)) hits.push(`${file.slice(repoRoot.length)}:${i + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

describe('labels', () => {
  it('every LABEL_* export and PROTOCOL_SALT is unique and versioned', () => {
    const declared = readFileSync(join(srcDir, 'labels.ts'), 'utf8').match(/^export const LABEL_\w+/gm) ?? [];
    expect(declared.length).toBeGreaterThanOrEqual(31);
    expect(labelExports.length).toBe(declared.length);
    const values = [...labelExports.map(([, value]) => value), PROTOCOL_SALT];
    expect(new Set(values).size).toBe(values.length);
    for (const value of values) expect(value).toMatch(/^llamenos\/v1\/[a-z0-9-]+(\/[a-z0-9-]+)*$/);
    // No label is a prefix of another at a path boundary, so no two can be confused when concatenated.
    for (const a of values)
      for (const b of values) if (a !== b) expect(b.startsWith(`${a}/`), `${a} / ${b}`).toBe(false);
  });

  it('the scanner finds label literals (self-test on labels.ts)', () => {
    expect(labelLiterals([join(srcDir, 'labels.ts')]).length).toBeGreaterThanOrEqual(labelExports.length);
  });

  it('no file in packages/crypto/src but labels.ts spells a llamenos/ string literal', () => {
    const files = sourceFiles(srcDir).filter((f) => f !== join(srcDir, 'labels.ts'));
    expect(files.length).toBeGreaterThanOrEqual(19);
    expect(labelLiterals(files)).toEqual([]);
  });

  it('no source file in apps/ or packages/protocol spells a llamenos/ string literal', () => {
    const roots = ['apps', join('packages', 'protocol')]
      .map((d) => join(repoRoot, d))
      .filter((d) => existsSync(d));
    const files = roots.flatMap(sourceFiles);
    if (roots.length > 0) expect(files.length).toBeGreaterThan(0);
    expect(labelLiterals(files)).toEqual([]);
  });

  it('each purpose uses distinct labels for its content and its key wraps, and no label twice', () => {
    const entries = Object.entries(PURPOSES);
    expect(entries.length).toBeGreaterThanOrEqual(8);
    const labelValues = new Set(labelExports.map(([, value]) => value));
    const used: string[] = [];
    for (const [name, purpose] of entries) {
      expect(purpose.content, name).not.toBe(purpose.wrap);
      expect(labelValues.has(purpose.content), name).toBe(true);
      expect(labelValues.has(purpose.wrap), name).toBe(true);
      used.push(purpose.content, purpose.wrap);
    }
    expect(new Set(used).size).toBe(used.length);
  });
});
