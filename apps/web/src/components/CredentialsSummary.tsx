import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { RowAction } from './DataTable.js';
import { Fact } from './Fact.js';
import { formatDateTime } from './format.js';

/** One stored setting as shown: its translated name, and its value (a secret only as "stored"). */
export type CredentialsRow = { field: string; term: string; detail: string };

/**
 * What is stored for a telephony provider or a messaging channel, read-only: ids, numbers and
 * masked secrets, laid out left to right on purpose, then when it was last saved.
 */
export function CredentialsSummary({
  rows,
  numbers,
  updatedAt,
}: {
  rows: CredentialsRow[];
  /** The phone numbers it answers on, for those that have numbers. */
  numbers?: { term: string; list: string[] };
  updatedAt: string | null;
}) {
  const { t, i18n } = useTranslation();
  return (
    <dl className="summary-list">
      {rows.map((row) => (
        <Fact key={row.field} term={row.term} className="ltr-cell">
          {row.detail}
        </Fact>
      ))}
      {numbers && (
        <Fact term={numbers.term} className="ltr-cell">
          {numbers.list.join(', ') || t('common.none')}
        </Fact>
      )}
      <Fact term={t('providers.updatedAt')}>{formatDateTime(updatedAt, i18n.language)}</Fact>
    </dl>
  );
}

/**
 * One telephony provider or messaging channel as an admin sees it: its name and state, a warning
 * when its stored credentials cannot be read, whatever else it shows (`children`), then its form
 * while it is edited, or what is stored and its buttons.
 */
export function CredentialsCard({
  headingId,
  product,
  state,
  inService,
  unreadable,
  editing,
  form,
  stored,
  actions,
  children,
}: {
  headingId: string;
  /** The product name (not translated). */
  product: string;
  /** Its state in words, as a badge. */
  state: string;
  /** The badge says "working" in colour. */
  inService: boolean;
  /** The warning shown while the stored credentials cannot be read; null when they can. */
  unreadable: string | null;
  editing: boolean;
  form: ReactNode;
  stored: ReactNode;
  actions: ReactNode;
  children?: ReactNode;
}) {
  return (
    <article className="provider" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {product} <span className={`badge ${inService ? 'status-redeemed' : ''}`}>{state}</span>
      </h3>
      {unreadable && (
        <p role="alert" className="error">
          {unreadable}
        </p>
      )}
      {children}
      {editing ? (
        form
      ) : (
        <>
          {stored}
          {actions}
        </>
      )}
    </article>
  );
}

/** Set up (or Edit once something is stored) and Remove: each button names what it acts on. */
export function CredentialsActions({
  name,
  configured,
  setUp,
  remove,
  editable = true,
  onEdit,
  onRemove,
}: {
  name: string;
  configured: boolean;
  /** The set-up button's words while nothing is stored. */
  setUp: string;
  /** The remove button's words. */
  remove: string;
  /** False where there is nothing an admin may edit (only removal). */
  editable?: boolean;
  onEdit: (open: boolean) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="button-row compact">
      {editable && (
        <RowAction action={configured ? t('common.edit') : setUp} item={name} onClick={() => onEdit(true)} />
      )}
      {configured && <RowAction action={remove} item={name} danger onClick={onRemove} />}
    </div>
  );
}
