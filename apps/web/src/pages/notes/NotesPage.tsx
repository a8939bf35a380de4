import type { CustomFieldDefinition, UserView } from '@llamenos/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import {
  DateRangeFields,
  FilterForm,
  ListSearchAndProgress,
  type ListWordKeys,
  ShowMoreButton,
  useListFilters,
  useSearchAndSteps,
  type WorkerSearch,
} from '../../components/DecryptedList.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { NO_FILTERS, type NoteFilters } from '../../lib/notes/api.js';
import { notesPool } from '../../lib/notes/pool.js';
import { ExportSection } from './ExportSection.js';
import { NoteRow } from './NoteRow.js';
import { authorNameOf, KeyNeeded, useMembers, useNoteFields } from './shared.js';
import { type ListedNote, useNoteList } from './useNoteList.js';
import './notes.css';
import { EmptyState } from '../../components/EmptyState.js';
import { MemberOptions } from '../../components/MemberOptions.js';

const PREVIEW = 160;

/** /notes: own notes for volunteers, every note for admins; filters, search after decryption, export. */
export function NotesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  return (
    <section>
      <PageHeading>{t('notes.title')}</PageHeading>
      {can(me, 'notes:write') && (
        <p>
          <NavLink href="/notes/new" className="button-link">
            {t('notes.new')}
          </NavLink>
        </p>
      )}
      <KeyNeeded>
        <NotesList me={me} />
      </KeyNeeded>
    </section>
  );
}

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
    <FilterForm
      formName={t('notes.filters')}
      className="note-filters"
      gridClassName="note-filter-grid"
      onSubmit={filters.onSubmit}
      rangeError={filters.invalidRange ? { id: 'nf-range', message: t('notes.badRange') } : null}
      apply={t('notes.applyFilters')}
      clear={t('notes.clearFilters')}
      onClear={filters.onClear}
    >
      <DateRangeFields
        idPrefix="nf"
        labels={{ from: t('notes.from'), to: t('notes.to') }}
        from={register('from')}
        to={register('to')}
        invalid={filters.invalidRange}
      />
      {can(me, 'notes:read-all') && members && members.length > 0 && (
        <div>
          <label htmlFor="nf-author">{t('notes.volunteer')}</label>
          <select id="nf-author" {...register('authorPubkey')}>
            <MemberOptions none={t('notes.everyone')} members={members} />
          </select>
        </div>
      )}
      <div>
        <label htmlFor="nf-call">{t('notes.callId')}</label>
        <input id="nf-call" maxLength={100} {...register('callId')} />
      </div>
    </FilterForm>
  );
}

/** Search runs in the notes workers, over what has been decrypted so far. */
const searchNotes: WorkerSearch = (query, keys) => notesPool().search(query, keys);
const noteKey = (note: ListedNote) => note.key;

const LIST_WORDS: ListWordKeys = {
  search: 'notes.search',
  searchHint: 'notes.searchHint',
  loading: 'notes.loading',
  allLoaded: 'notes.allLoaded',
  matches: 'notes.matches',
  someFailed: 'notes.someFailed',
};

function NotesList({ me }: { me: Me }) {
  const { t } = useTranslation();
  const fields = useNoteFields();
  const members = useMembers(me);
  const [filters, setFilters] = useState<NoteFilters>(NO_FILTERS);
  const list = useNoteList(filters);
  const search = useSearchAndSteps(list.rows, noteKey, searchNotes);
  const nameOf = authorNameOf(me, members.data);

  useEffect(() => {
    if (list.rows.length) performance.mark('notes:rendered', { detail: list.rows.length });
  }, [list.rows.length]);

  return (
    <>
      {fields.data && <FieldsHint fields={fields.data} />}
      <FiltersForm
        me={me}
        members={members.data}
        onApply={(f) => {
          setFilters(f);
          search.startOver();
        }}
      />
      <ListSearchAndProgress
        name="notes"
        className="note-search"
        keys={LIST_WORDS}
        list={list}
        search={search}
        failed={list.rows.filter((n) => n.result.status === 'failed').length}
        error={fields.error ?? list.error}
      />
      {list.complete && list.rows.length === 0 && <EmptyState>{t('notes.none')}</EmptyState>}
      <ul className="notes-list" data-testid="notes-list">
        {search.visible.map((n) => (
          <NoteRow key={n.key} note={n} nameOf={nameOf} preview={PREVIEW} testId="note-row">
            {n.meta.callId && (
              <span className="ltr-cell">{t('notes.forCall', { callId: n.meta.callId })}</span>
            )}
            {n.meta.version > 1 && <span className="badge">{t('notes.edited', { n: n.meta.version })}</span>}
          </NoteRow>
        ))}
      </ul>
      <ShowMoreButton
        more={search.more}
        caption={t('notes.showMore', { count: search.more })}
        onClick={search.showMore}
      />
      {can(me, 'notes:export') && fields.data && <ExportSection fields={fields.data} authorName={nameOf} />}
    </>
  );
}

function FieldsHint({ fields }: { fields: CustomFieldDefinition[] }) {
  const { t } = useTranslation();
  return fields.length ? <p className="hint">{t('notes.searchFieldsToo')}</p> : null;
}
