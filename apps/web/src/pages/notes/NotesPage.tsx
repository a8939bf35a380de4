import type { CustomFieldDefinition, UserView } from '@llamenos/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { DecryptedList, type DecryptedListKind } from '../../components/DecryptedList.js';
import {
  DateRangeFields,
  FilterForm,
  type FilterFormKind,
  useListFilters,
} from '../../components/ListFilters.js';
import { AuthorField } from '../../components/MemberOptions.js';
import { Page } from '../../components/PageHeading.js';
import { NewRecordLink } from '../../components/SealedPages.js';
import { NO_FILTERS, type NoteFilters } from '../../lib/notes/api.js';
import { notesPool } from '../../lib/notes/pool.js';
import { ExportSection } from './ExportSection.js';
import { NoteRow } from './NoteRow.js';
import { authorNameOf, KeyNeeded, useMembers, useNoteFields } from './shared.js';
import { type ListedNote, useNoteList } from './useNoteList.js';
import './notes.css';
import { EmptyState } from '../../components/EmptyState.js';

const PREVIEW = 160;

/** /notes: own notes for volunteers, every note for admins; filters, search after decryption, export. */
export function NotesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  return (
    <Page title={t('notes.title')}>
      {can(me, 'notes:write') && <NewRecordLink href="/notes/new" caption={t('notes.new')} />}
      <KeyNeeded>
        <NotesList me={me} />
      </KeyNeeded>
    </Page>
  );
}

/** The notes list's filter form: ids, classes and words. */
const NOTE_FILTERS: FilterFormKind = {
  idPrefix: 'nf',
  className: 'note-filters',
  gridClassName: 'note-filter-grid',
  keys: {
    form: 'notes.filters',
    badRange: 'notes.badRange',
    from: 'notes.from',
    to: 'notes.to',
    author: 'notes.volunteer',
    anyAuthor: 'notes.everyone',
    apply: 'notes.applyFilters',
    clear: 'notes.clearFilters',
  },
};

/** The list's filters: a date range, an author (for those who read every note), a call. */
function FiltersForm({
  me,
  members,
  onApply,
}: {
  me: Me;
  members: UserView[] | undefined;
  onApply: (f: NoteFilters) => void;
}) {
  const { t } = useTranslation();
  const filters = useListFilters(NO_FILTERS, onApply);
  const { register } = filters;
  return (
    <FilterForm kind={NOTE_FILTERS} filters={filters}>
      <DateRangeFields kind={NOTE_FILTERS} filters={filters} />
      {can(me, 'notes:read-all') && (
        <AuthorField kind={NOTE_FILTERS} members={members} field={register('authorPubkey')} />
      )}
      <div>
        <label htmlFor="nf-call">{t('notes.callId')}</label>
        <input id="nf-call" maxLength={100} {...register('callId')} />
      </div>
    </FilterForm>
  );
}

/** Search runs in the notes workers, over what has been decrypted so far. */
const NOTES_LIST: DecryptedListKind<ListedNote> = {
  name: 'notes',
  searchClass: 'note-search',
  keys: {
    search: 'notes.search',
    searchHint: 'notes.searchHint',
    loading: 'notes.loading',
    allLoaded: 'notes.allLoaded',
    matches: 'notes.matches',
    someFailed: 'notes.someFailed',
    showMore: 'notes.showMore',
  },
  keyOf: (note) => note.key,
  search: (query, keys) => notesPool().search(query, keys),
};

function NotesList({ me }: { me: Me }) {
  const { t } = useTranslation();
  const fields = useNoteFields();
  const members = useMembers(me);
  const [filters, setFilters] = useState<NoteFilters>(NO_FILTERS);
  const list = useNoteList(filters);
  const nameOf = authorNameOf(me, members.data);

  useEffect(() => {
    if (list.rows.length) performance.mark('notes:rendered', { detail: list.rows.length });
  }, [list.rows.length]);

  return (
    <>
      {fields.data && <FieldsHint fields={fields.data} />}
      <FiltersForm me={me} members={members.data} onApply={setFilters} />
      <DecryptedList
        kind={NOTES_LIST}
        list={list}
        filters={filters}
        failed={list.rows.filter((n) => n.result.status === 'failed').length}
        error={fields.error ?? list.error}
      >
        {(shown) => (
          <>
            {list.complete && list.rows.length === 0 && <EmptyState>{t('notes.none')}</EmptyState>}
            <ul className="notes-list" data-testid="notes-list">
              {shown.map((n) => (
                <NoteRow key={n.key} note={n} nameOf={nameOf} preview={PREVIEW} testId="note-row">
                  {n.meta.callId && (
                    <span className="ltr-cell">{t('notes.forCall', { callId: n.meta.callId })}</span>
                  )}
                  {n.meta.version > 1 && (
                    <span className="badge">{t('notes.edited', { n: n.meta.version })}</span>
                  )}
                </NoteRow>
              ))}
            </ul>
          </>
        )}
      </DecryptedList>
      {can(me, 'notes:export') && fields.data && <ExportSection fields={fields.data} authorName={nameOf} />}
    </>
  );
}

function FieldsHint({ fields }: { fields: CustomFieldDefinition[] }) {
  const { t } = useTranslation();
  return fields.length ? <p className="hint">{t('notes.searchFieldsToo')}</p> : null;
}
