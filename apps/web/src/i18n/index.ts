import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { MERGED_LOCALES } from './locales/merged.js';

/** Shipped locales. English and Spanish are complete; Arabic checks right-to-left layout. */
export const LOCALES = MERGED_LOCALES;
export type Locale = keyof typeof LOCALES;
export const RTL_LOCALES: readonly Locale[] = ['ar'];
const STORAGE_KEY = 'llamenos.locale';

function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && saved in LOCALES) return saved as Locale;
  const browser = navigator.language.slice(0, 2);
  return browser in LOCALES ? (browser as Locale) : 'en';
}

function applyDirection(locale: string): void {
  document.documentElement.lang = locale;
  document.documentElement.dir = RTL_LOCALES.includes(locale as Locale) ? 'rtl' : 'ltr';
}

export async function setupI18n(): Promise<typeof i18next> {
  const lng = initialLocale();
  await i18next.use(initReactI18next).init({
    lng,
    fallbackLng: 'en',
    resources: Object.fromEntries(Object.entries(LOCALES).map(([k, v]) => [k, { translation: v }])),
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  applyDirection(lng);
  i18next.on('languageChanged', (l) => {
    localStorage.setItem(STORAGE_KEY, l);
    applyDirection(l);
  });
  return i18next;
}
