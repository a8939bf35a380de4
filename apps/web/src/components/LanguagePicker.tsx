import { useTranslation } from 'react-i18next';
import { saveMyLanguage, useMe } from '../app/session.js';
import { changeLocale, LOCALE_NAMES, LOCALES, type Locale } from '../i18n/index.js';

/**
 * The interface language. This device switches at once; a signed-in member's choice is also
 * kept on their account (session.ts), so their other devices follow after sign-in.
 */
export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const choose = async (locale: Locale) => {
    await changeLocale(locale);
    // Best effort: if the account cannot be updated (offline, a role without profile:write),
    // this device still speaks the chosen language and the next choice tries again.
    if (me) await saveMyLanguage(locale).catch(() => undefined);
  };
  return (
    <label className="language-picker">
      <span>{t('app.language')}</span>
      <select value={i18n.language} onChange={(e) => void choose(e.target.value as Locale)}>
        {LOCALES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LOCALE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}
