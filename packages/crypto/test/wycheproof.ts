import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The standards' vector files in ../shared/vectors (LLAMENOS_VECTORS_DIR overrides), read by the crypto tests. */
const vectorsDir = (): string => {
  const override = process.env.LLAMENOS_VECTORS_DIR;
  if (override) return override.endsWith('/') ? override : `${override}/`;
  // <repo>/packages/crypto/test/ → <repo>/../shared/vectors/
  return fileURLToPath(new URL('../../../../shared/vectors/', import.meta.url));
};

export const readVector = (name: string): string => readFileSync(`${vectorsDir()}${name}`, 'utf8');

interface WycheproofFile<T> {
  numberOfTests: number;
  testGroups: Array<Record<string, unknown> & { tests: T[] }>;
}

export interface WycheproofCase {
  tcId: number;
  comment: string;
  flags: string[];
  result: 'valid' | 'invalid' | 'acceptable';
}

export function wycheproof<T extends WycheproofCase>(
  name: string,
): { file: WycheproofFile<T>; cases: Array<T & { group: Record<string, unknown> }> } {
  const file = JSON.parse(readVector(`wycheproof/${name}`)) as WycheproofFile<T>;
  const cases = file.testGroups.flatMap((group) => group.tests.map((t) => ({ ...t, group })));
  expect(cases.length).toBe(file.numberOfTests);
  return { file, cases };
}
