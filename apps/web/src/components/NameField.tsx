import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A name someone types for others to read (a member's display name, an invitee's, the
 * hotline's): required, at most 80 characters. Labelled "Display name" unless told otherwise.
 */
export function NameField({
  id,
  caption,
  value,
  onChange,
}: {
  id: string;
  caption?: ReactNode;
  value: string;
  onChange: (name: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <label htmlFor={id}>{caption ?? t('volunteers.displayName')}</label>
      <input id={id} required maxLength={80} value={value} onChange={(e) => onChange(e.target.value)} />
    </>
  );
}
