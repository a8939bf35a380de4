import type { CallPreference } from '@llamenos/protocol';
import { useTranslation } from 'react-i18next';
import type { Controlled } from './props.js';

const PREFERENCES: CallPreference[] = ['phone', 'browser', 'both'];

export function CallPreferenceSelect({ id, value, onChange }: { id: string } & Controlled<CallPreference>) {
  const { t } = useTranslation();
  return (
    <>
      <label htmlFor={id}>{t('callPreference.label')}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as CallPreference)}>
        {PREFERENCES.map((p) => (
          <option key={p} value={p}>
            {t(`callPreference.${p}`)}
          </option>
        ))}
      </select>
    </>
  );
}
