import { useTranslation } from 'react-i18next';
import { LOCALES } from '../i18n/index.js';

const NAMES: Record<string, string> = { en: 'English', es: 'Español', ar: 'العربية' };

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language-picker">
      <span>{t('app.language')}</span>
      <select value={i18n.language} onChange={(e) => void i18n.changeLanguage(e.target.value)}>
        {Object.keys(LOCALES).map((code) => (
          <option key={code} value={code} lang={code}>
            {NAMES[code] ?? code}
          </option>
        ))}
      </select>
    </label>
  );
}
