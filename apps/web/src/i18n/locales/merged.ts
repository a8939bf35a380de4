import attachmentsEn from '../features/attachments.en.json';
import reportsEn from '../features/reports.en.json';
import transcriptionEn from '../features/transcription.en.json';
import { LOCALE_CODES, type Locale } from './catalog.js';
import en from './en.json';
import { hasOwnPluralRules, withEveryPluralForm } from './plural-fallback.js';

type Tree = { [key: string]: string | Tree };

/**
 * Each shipped language is its base file (locales/<lang>.json) and one file per feature
 * (features/<feature>.<lang>.json, each holding its own top-level namespace), so features are
 * translated side by side without editing one large file at once.
 *
 * English is in the main bundle (it is every language's fallback); every other language is its
 * own chunk, loaded when chosen, so thirteen languages do not weigh on the first load.
 */
export const ENGLISH = { ...en, ...reportsEn, ...attachmentsEn, ...transcriptionEn } as const;

/** The feature files, as the translation tests list them. */
export const FEATURE_BUNDLES = ['reports', 'attachments', 'transcription'] as const;

const baseFiles = import.meta.glob<Tree>('./*.json', { import: 'default' });
const featureFiles = import.meta.glob<Tree>('../features/*.json', { import: 'default' });

/** The languages whose base file exists, in the catalog's order. */
export const SHIPPED_LOCALES: readonly Locale[] = LOCALE_CODES.filter(
  (code) => `./${code}.json` in baseFiles,
);

/** One language's strings, base file and feature files merged. */
export async function loadLocale(code: Locale): Promise<Tree> {
  if (code === 'en') return ENGLISH as unknown as Tree;
  const load = baseFiles[`./${code}.json`];
  if (!load) throw new Error(`language ${code} is not shipped`);
  const parts = await Promise.all([
    load(),
    ...FEATURE_BUNDLES.map((feature) => featureFiles[`../features/${feature}.${code}.json`]?.() ?? {}),
  ]);
  const merged = Object.assign({}, ...parts) as Tree;
  return hasOwnPluralRules(code) ? merged : withEveryPluralForm(merged);
}
