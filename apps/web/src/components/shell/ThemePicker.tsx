import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Panel } from '../Panel.js';
import { chooseTheme, storedTheme, THEME_CHOICES, type ThemeChoice } from './theme.js';

/** My settings: light, dark, or whatever this device prefers; applied at once, kept on this device. */
export function ThemePicker() {
  const { t } = useTranslation();
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  function pick(next: ThemeChoice) {
    setChoice(next);
    chooseTheme(next);
  }
  return (
    <Panel id="theme-title" title={t('theme.title')}>
      <fieldset className="plain">
        <legend className="visually-hidden">{t('theme.legend')}</legend>
        <div className="choice-row">
          {THEME_CHOICES.map((option) => (
            <label key={option} className="checkbox choice">
              <input
                type="radio"
                name="theme"
                value={option}
                checked={choice === option}
                onChange={() => pick(option)}
              />
              {t(`theme.${option}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <p className="hint">{t('theme.hint')}</p>
    </Panel>
  );
}
