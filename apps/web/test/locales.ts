/**
 * The shipped languages read straight from the source files (node, no bundler): the base file
 * locales/<lang>.json with every features/<feature>.<lang>.json merged in, as the client merges them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCALE_CODES } from '../src/i18n/locales/catalog.js';

export type Tree = { [key: string]: string | Tree };

const i18nDir = path.resolve(import.meta.dirname, '../src/i18n');
export const FEATURES = ['reports', 'attachments', 'transcription'] as const;
const readTree = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Tree;

/** The languages whose base file exists, in the catalog's order. */
export const SHIPPED = LOCALE_CODES.filter((l) => existsSync(path.join(i18nDir, 'locales', `${l}.json`)));

/** A language's base file with every feature file merged in (a missing feature file adds nothing). */
export function localeTree(l: string): Tree {
  const base = readTree(path.join(i18nDir, 'locales', `${l}.json`));
  for (const f of FEATURES) {
    const file = path.join(i18nDir, 'features', `${f}.${l}.json`);
    if (existsSync(file)) Object.assign(base, readTree(file));
  }
  return base;
}

/** Every shipped language's merged strings. */
export const ALL_LOCALES: Record<string, Tree> = Object.fromEntries(SHIPPED.map((l) => [l, localeTree(l)]));
