import { useTranslation } from 'react-i18next';
import { formatDateTime } from './format.js';

/** One stored setting as shown: its translated name, and its value (a secret only as "stored"). */
export type CredentialsRow = { field: string; term: string; detail: string };

/**
 * What is stored for a telephony provider or a messaging channel, read-only: ids, numbers and
 * masked secrets, laid out left to right on purpose, then when it was last saved.
 */
export function CredentialsSummary({
  rows,
  updatedAt,
}: {
  rows: CredentialsRow[];
  updatedAt: string | null;
}) {
  const { t, i18n } = useTranslation();
  return (
    <dl className="summary-list">
      {rows.map((row) => (
        <div key={row.field}>
          <dt>{row.term}</dt>
          <dd className="ltr-cell">{row.detail}</dd>
        </div>
      ))}
      <div>
        <dt>{t('providers.updatedAt')}</dt>
        <dd>{formatDateTime(updatedAt, i18n.language)}</dd>
      </div>
    </dl>
  );
}
