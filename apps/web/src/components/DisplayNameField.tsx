import { useTranslation } from 'react-i18next';

/** A member's display name as others see it (their own profile, or an admin editing them). */
export function DisplayNameField({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (name: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <label htmlFor={id}>{t('volunteers.displayName')}</label>
      <input id={id} required maxLength={80} value={value} onChange={(e) => onChange(e.target.value)} />
    </>
  );
}
