import { UI_LOCALE_CODES } from '@llamenos/protocol';

/**
 * The languages the web client can speak: the protocol's list, which the server also holds a
 * member's chosen language to. A language is shipped when its base file
 * (locales/<code>.json) exists; the test in apps/web/test/i18n.test.ts holds every shipped
 * language to the full English key set. Codes are BCP 47 as Intl understands them, so dates,
 * numbers and plural rules follow the language (zh-Hans: Simplified Chinese; tl: Tagalog).
 */
export const LOCALE_CODES = UI_LOCALE_CODES;
export type Locale = (typeof LOCALE_CODES)[number];

/** Each language's name in itself: people look for their own language by its own name. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  es: 'Español',
  fr: 'Français',
  ar: 'العربية',
  'zh-Hans': '简体中文',
  vi: 'Tiếng Việt',
  ko: '한국어',
  ru: 'Русский',
  uk: 'Українська',
  'pt-BR': 'Português (Brasil)',
  ht: 'Kreyòl ayisyen',
  tl: 'Tagalog',
  fa: 'فارسی',
};

export const RTL_LOCALES: readonly Locale[] = ['ar', 'fa'];

/**
 * The shipped language closest to a browser's preference ("zh-CN" → zh-Hans, "pt" → pt-BR,
 * "fil" → tl), or undefined when none is close.
 */
export function closestLocale(tag: string, shipped: readonly string[]): Locale | undefined {
  const lower = tag.toLowerCase();
  const exact = shipped.find((code) => code.toLowerCase() === lower);
  if (exact) return exact as Locale;
  const base = lower.split('-')[0] ?? '';
  const alias: Record<string, string> = { zh: 'zh-Hans', pt: 'pt-BR', fil: 'tl' };
  const wanted = alias[base] ?? base;
  return shipped.find((code) => code === wanted || code.split('-')[0] === wanted) as Locale | undefined;
}
