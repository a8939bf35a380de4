import { z } from 'zod';

/**
 * The languages the web interface ships, as BCP 47 codes Intl understands. The server needs the
 * list to refuse a member's interface language it cannot serve; the web catalog
 * (apps/web/src/i18n/locales/catalog.ts) is held to the same list by a test.
 * Distinct from `LanguageCode` (settings.ts): that one is a language a volunteer speaks on calls.
 */
export const UI_LOCALE_CODES = [
  'en',
  'es',
  'fr',
  'ar',
  'zh-Hans',
  'vi',
  'ko',
  'ru',
  'uk',
  'pt-BR',
  'ht',
  'tl',
  'fa',
] as const;

/** A member's chosen interface language, kept on their account so every device they sign in on speaks it. */
export const UiLanguage = z.enum(UI_LOCALE_CODES, {
  error: `one of the interface languages: ${UI_LOCALE_CODES.join(', ')}`,
});
export type UiLanguage = z.infer<typeof UiLanguage>;
