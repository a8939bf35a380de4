import type { CustomFieldDefinition } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  type BackToList,
  OpenFailure,
  type OpenFailureKeys,
  UnlockedOnly,
} from '../../components/SealedPages.js';
import type { FieldProblem, LoosePayload, NotePayload } from '../../lib/notes/payload.js';
import type { OpenResult } from '../../lib/notes/protocol.js';
import { noteQueries } from './queries.js';

/** The member list, and an author's name by public key (null: this member may not see it). */
export { memberNameOf as authorNameOf, useMembers } from '../../components/SealedPages.js';

/** Where a page under /notes (new note, one note, an opened export) leads back to. */
export const BACK_TO_NOTES: BackToList = { href: '/notes', caption: 'notes.backToList' };

/** The hotline's custom note fields, in form order. */
export function useNoteFields() {
  return useQuery(noteQueries.fields());
}

/** A shortened key for an author whose name this member may not see. */
export const shortKey = (pubkey: string) => `${pubkey.slice(0, 8)}…`;

const NOTE_FAILURES: OpenFailureKeys = {
  'no-wrap': 'notes.problem.noWrap',
  decrypt: 'notes.problem.decrypt',
  malformed: 'notes.problem.malformed',
};

/** The per-note message for a note that did not open, or did not match the fields. */
export function NoteProblem({ result }: { result: OpenResult }) {
  const { t } = useTranslation();
  if (result.status === 'failed')
    return (
      <OpenFailure
        reason={result.reason}
        keys={NOTE_FAILURES}
        className="error note-problem"
        testId="note-failed"
      />
    );
  if (result.status === 'mismatch')
    return (
      <p className="notice note-problem" data-testid="note-mismatch">
        {t('notes.problem.mismatch')}
      </p>
    );
  return null;
}

function showValue(
  value: unknown,
  field: CustomFieldDefinition | undefined,
  t: (k: string) => string,
): string {
  if (typeof value === 'boolean' || field?.type === 'checkbox')
    return value === true ? t('notes.yes') : t('notes.no');
  if (value === undefined || value === null || value === '') return '—';
  return String(value);
}

/** The custom field values of a note, labelled by the current definitions (unknown ids by id). */
export function FieldValues({
  payload,
  fields,
  problems,
}: {
  payload: NotePayload | LoosePayload;
  fields: CustomFieldDefinition[];
  problems?: Record<string, FieldProblem>;
}) {
  const { t } = useTranslation();
  const known = fields.filter((f) => payload.fields[f.id] !== undefined || f.required || problems?.[f.id]);
  const unknown = Object.keys(payload.fields).filter((id) => !fields.some((f) => f.id === id));
  if (known.length === 0 && unknown.length === 0) return null;
  return (
    <dl className="note-fields">
      {known.map((field) => (
        <div key={field.id}>
          <dt dir="auto">{field.label}</dt>
          <dd dir="auto">
            {showValue(payload.fields[field.id], field, t)}
            {problems?.[field.id] && (
              <span className="note-field-problem"> ({t(`notes.fieldProblem.${problems[field.id]}`)})</span>
            )}
          </dd>
        </div>
      ))}
      {unknown.map((id) => (
        <div key={id}>
          <dt>
            {id} <span className="hint">({t('notes.unknownField')})</span>
          </dt>
          <dd dir="auto">{showValue(payload.fields[id], undefined, t)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Notes need the unlocked key (a passkey session alone cannot read or write them). */
export function KeyNeeded({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return <UnlockedOnly locked={t('notes.locked')}>{children}</UnlockedOnly>;
}
