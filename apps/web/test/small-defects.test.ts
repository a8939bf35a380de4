/**
 * The small defects a new user found in the web client (issue 15, "Must fix" 6), each held
 * by a test so it cannot come back quietly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { src } from './source-files.js';

type Tree = { [key: string]: string | Tree };
const locale = (l: string) =>
  JSON.parse(readFileSync(path.join(src, 'i18n', 'locales', `${l}.json`), 'utf8')) as Tree;
const strings = (tree: Tree): string[] =>
  Object.values(tree).flatMap((v) => (typeof v === 'string' ? [v] : strings(v)));

describe('Spanish wording', () => {
  it('uses one word for settings ("Configuración", never "Ajustes")', () => {
    const es = strings(locale('es'));
    expect(es.filter((s) => /\bajustes?\b/i.test(s))).toEqual([]);
    expect(es.some((s) => s.includes('Configuración'))).toBe(true);
  });
});
