import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { closestLocale, type Locale, RTL_LOCALES } from './locales/catalog.js';
import { ENGLISH, loadLocale, SHIPPED_LOCALES } from './locales/merged.js';

export { LOCALE_NAMES, type Locale, RTL_LOCALES } from './locales/catalog.js';
/** Shipped languages, in the catalog's order. */
export const LOCALES = SHIPPED_LOCALES;
const STORAGE_KEY = 'llamenos.locale';

function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && isShippedLocale(saved)) return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const found = closestLocale(tag, SHIPPED_LOCALES);
    if (found) return found;
  }
  return 'en';
}

function applyDirection(locale: string): void {
  document.documentElement.lang = locale;
  document.documentElement.dir = RTL_LOCALES.includes(locale as Locale) ? 'rtl' : 'ltr';
}

/** Loads a language's strings once (its own chunk), before i18next switches to it. */
async function ensureLoaded(locale: Locale): Promise<void> {
  if (i18next.hasResourceBundle(locale, 'translation')) return;
  i18next.addResourceBundle(locale, 'translation', await loadLocale(locale), true, true);
}

/** Switches the interface language, loading it first so no English flashes in between. */
export async function changeLocale(locale: Locale): Promise<void> {
  await ensureLoaded(locale);
  await i18next.changeLanguage(locale);
}

export const isShippedLocale = (code: string): code is Locale =>
  (SHIPPED_LOCALES as readonly string[]).includes(code);

/**
 * Shows the language a signed-in member chose on any device (their profile's `uiLanguage`),
 * unless this device already shows it. A code this client does not ship (a newer server's) is
 * ignored: the device keeps its own language. Answers whether the language changed.
 */
export async function applyMemberLocale(code: string | null): Promise<boolean> {
  if (!code || !isShippedLocale(code) || code === i18next.language) return false;
  await changeLocale(code);
  return true;
}

export async function setupI18n(): Promise<typeof i18next> {
  const lng = initialLocale();
  await i18next.use(initReactI18next).init({
    lng: 'en',
    fallbackLng: 'en',
    resources: { en: { translation: ENGLISH } },
    partialBundledLanguages: true,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  i18next.on('languageChanged', (l) => {
    localStorage.setItem(STORAGE_KEY, l);
    applyDirection(l);
  });
  if (lng !== 'en') await changeLocale(lng).catch(() => undefined);
  applyDirection(i18next.language);
  return i18next;
}
