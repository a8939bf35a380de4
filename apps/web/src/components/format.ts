/** Dates and language names in the reader's language, with nothing to translate by hand. */
export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** Languages offered in pickers; the hotline's own list and a member's current ones are added to it. */
export const COMMON_LANGUAGES = [
  'en',
  'es',
  'ar',
  'fr',
  'pt',
  'zh',
  'ht',
  'vi',
  'ko',
  'ru',
  'tl',
  'fa',
  'hi',
  'ur',
  'bn',
  'uk',
  'pl',
  'de',
  'it',
  'sw',
];

export function languageName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function languageChoices(codes: string[], locale: string) {
  return [...new Set(codes)].map((code) => ({
    value: code,
    label: `${languageName(code, locale)} (${code})`,
  }));
}
