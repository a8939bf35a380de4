import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { UserText } from '../../components/UserText.js';
import { NoteProblem, shortKey } from './shared.js';
import type { ListedNote } from './useNoteList.js';

/**
 * One note in a list (the notes page, a call's page): when (the way to the note), who wrote
 * it (named from the member list, else a shortened key), `children` (which call, edited), and
 * why it did not open or the first `preview` characters of its text.
 */
export function NoteRow({
  note: n,
  nameOf,
  preview,
  testId,
  children,
}: {
  note: ListedNote;
  nameOf: (pubkey: string) => string | null;
  preview: number;
  testId: string;
  children?: ReactNode;
}) {
  const { i18n } = useTranslation();
  return (
    <li className="panel note-row" data-testid={testId}>
      <div className="note-row-head">
        <NavLink href={`/notes/${n.meta.id}`}>{formatDateTime(n.meta.createdAt, i18n.language)}</NavLink>
        <UserText>{nameOf(n.meta.authorPubkey) ?? shortKey(n.meta.authorPubkey)}</UserText>
        {children}
      </div>
      <NoteProblem result={n.result} />
      {n.result.status !== 'failed' && (
        <p className="note-preview" dir="auto">
          {n.result.payload.text.length > preview
            ? `${n.result.payload.text.slice(0, preview)}…`
            : n.result.payload.text}
        </p>
      )}
    </li>
  );
}
