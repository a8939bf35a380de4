/**
 * Interface languages Intl has no date or number data for, and what their readers expect instead.
 * ICU (Chromium, Node) knows no Haitian Creole: `ht` silently formats as American English
 * ("Mar 14, 2026, 3:30 PM", "12,345.6"); Haitian readers write dates and numbers the French way.
 */
const INTL_FALLBACKS: Record<string, readonly string[]> = { ht: ['fr-HT', 'fr'] };
const intlLocales = new Map<string, string>();

/**
 * The locale every Intl formatter of the web client is given for an interface language: the
 * language itself when Intl knows it, else the first fallback Intl knows. Pass `i18n.language`.
 */
export function intlLocale(locale: string): string {
  let chosen = intlLocales.get(locale);
  if (chosen === undefined) {
    const fallbacks = INTL_FALLBACKS[locale];
    // Should ICU learn the language one day, its own data wins.
    chosen =
      fallbacks && Intl.DateTimeFormat.supportedLocalesOf([locale]).length === 0
        ? (Intl.DateTimeFormat.supportedLocalesOf(fallbacks)[0] ?? locale)
        : locale;
    intlLocales.set(locale, chosen);
  }
  return chosen;
}

/** A quantity in one of Intl's units ("45 s", "2.5 MB", "3 minutes") in the reader's language. */
export function formatUnit(
  value: number,
  unit: string,
  locale: string,
  maximumFractionDigits: number,
  unitDisplay: 'short' | 'long' = 'short',
): string {
  return new Intl.NumberFormat(intlLocale(locale), {
    style: 'unit',
    unit,
    unitDisplay,
    maximumFractionDigits,
  }).format(value);
}

/** Dates and language names in the reader's language, with nothing to translate by hand. */
export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'medium', timeStyle: 'short' }).format(
    date,
  );
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

/**
 * A caller's or contact's number as the hotline shows it: the last 4 digits only (the rest is
 * never sent to the browser), or `hidden`, the word for a withheld number.
 */
export const lastDigits = (last4: string | null, hidden: string): string => (last4 ? `…${last4}` : hidden);
