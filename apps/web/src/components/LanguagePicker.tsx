import { useTranslation } from 'react-i18next';
import { changeLocale, LOCALE_NAMES, LOCALES, type Locale } from '../i18n/index.js';

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language-picker">
      <span>{t('app.language')}</span>
      <select value={i18n.language} onChange={(e) => void changeLocale(e.target.value as Locale)}>
        {LOCALES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LOCALE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}
