import type { CustomFieldDefinition, UserView } from '@llamenos/protocol';
import { useEffect, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { NO_FILTERS, type NoteFilters } from '../../lib/notes/api.js';
import { notesPool } from '../../lib/notes/pool.js';
import { ExportSection } from './ExportSection.js';
import { authorNameOf, KeyNeeded, NoteProblem, shortKey, useMembers, useNoteFields } from './shared.js';
import { type ListedNote, type NoteList, useNoteList } from './useNoteList.js';
import './notes.css';
import { FilterActions } from '../../components/FilterActions.js';
import { MemberOptions } from '../../components/MemberOptions.js';
import { UserText } from '../../components/UserText.js';

const SHOWN_STEP = 50;
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
  const form = useForm<NoteFilters>({ defaultValues: NO_FILTERS });
  const { register } = form;
  const [from, to] = form.watch(['from', 'to']);
  const invalidRange = Boolean(from && to && from > to);
  const apply = (filters: NoteFilters) => {
    if (!invalidRange) onApply(filters);
  };
  return (
    <form className="panel note-filters" onSubmit={form.handleSubmit(apply)} aria-label={t('notes.filters')}>
      <div className="note-filter-grid">
        <div>
          <label htmlFor="nf-from">{t('notes.from')}</label>
          <input id="nf-from" type="date" {...register('from')} />
        </div>
        <div>
          <label htmlFor="nf-to">{t('notes.to')}</label>
          <input
            id="nf-to"
            type="date"
            aria-invalid={invalidRange || undefined}
            aria-describedby={invalidRange ? 'nf-range' : undefined}
            {...register('to')}
          />
        </div>
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
      </div>
      {invalidRange && (
        <p id="nf-range" role="alert" className="error">
          {t('notes.badRange')}
        </p>
      )}
      <FilterActions
        apply={t('notes.applyFilters')}
        clear={t('notes.clearFilters')}
        onClear={() => {
          form.reset(NO_FILTERS);
          onApply(NO_FILTERS);
        }}
      />
    </form>
  );
}

/** Search runs in the notes workers, over what has been decrypted so far. */
function useSearch(query: string, notes: ListedNote[]): Set<string> | null {
  const [found, setFound] = useState<Set<string> | null>(null);
  const [debounced, setDebounced] = useState(query);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(query), 150);
    return () => clearTimeout(timer);
  }, [query]);
  const count = notes.length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run as more notes arrive (count)
  useEffect(() => {
    if (!debounced.trim()) {
      setFound(null);
      return;
    }
    let current = true;
    notesPool()
      .search(
        debounced,
        notes.map((n) => n.key),
      )
      .then((keys) => current && setFound(keys))
      .catch(() => current && setFound(new Set()));
    return () => {
      current = false;
    };
  }, [debounced, count]);
  return query.trim() ? found : null;
}

function NotesList({ me }: { me: Me }) {
  const { t } = useTranslation();
  const fields = useNoteFields();
  const members = useMembers(me);
  const [filters, setFilters] = useState<NoteFilters>(NO_FILTERS);
  const list = useNoteList(filters);
  const [query, setQuery] = useState('');
  const found = useSearch(query, list.notes);
  const [shown, setShown] = useState(SHOWN_STEP);
  const nameOf = authorNameOf(me, members.data);

  const matching = useMemo(
    () => (found ? list.notes.filter((n) => found.has(n.key)) : list.notes),
    [found, list.notes],
  );
  useEffect(() => {
    if (list.notes.length) performance.mark('notes:rendered', { detail: list.notes.length });
  }, [list.notes.length]);
  const visible = matching.slice(0, shown);

  return (
    <>
      {fields.data && <FieldsHint fields={fields.data} />}
      <FiltersForm
        me={me}
        members={members.data}
        onApply={(f) => {
          setFilters(f);
          setShown(SHOWN_STEP);
        }}
      />
      <div className="note-search">
        <label htmlFor="notes-search">{t('notes.search')}</label>
        <input
          id="notes-search"
          type="search"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setShown(SHOWN_STEP);
          }}
          aria-describedby="notes-search-hint"
        />
        <p id="notes-search-hint" className="hint">
          {t('notes.searchHint')}
        </p>
      </div>
      <ErrorMessage error={fields.error ?? list.error} />
      <ListProgress list={list} matching={found ? matching.length : null} />
      {list.complete && list.notes.length === 0 && <p>{t('notes.none')}</p>}
      <ul className="notes-list" data-testid="notes-list">
        {visible.map((n) => (
          <NoteRow
            key={n.key}
            note={n}
            author={nameOf(n.meta.authorPubkey) ?? shortKey(n.meta.authorPubkey)}
          />
        ))}
      </ul>
      {matching.length > shown && (
        <button type="button" className="secondary" onClick={() => setShown(shown + SHOWN_STEP)}>
          {t('notes.showMore', { count: Math.min(SHOWN_STEP, matching.length - shown) })}
        </button>
      )}
      {can(me, 'notes:export') && fields.data && <ExportSection fields={fields.data} authorName={nameOf} />}
    </>
  );
}

function FieldsHint({ fields }: { fields: CustomFieldDefinition[] }) {
  const { t } = useTranslation();
  return fields.length ? <p className="hint">{t('notes.searchFieldsToo')}</p> : null;
}

/** One note in the list: when, who, which call, and the start of its text (or why it did not open). */
function NoteRow({ note: n, author }: { note: ListedNote; author: string }) {
  const { t, i18n } = useTranslation();
  return (
    <li className="panel note-row" data-testid="note-row">
      <div className="note-row-head">
        <NavLink href={`/notes/${n.meta.id}`}>{formatDateTime(n.meta.createdAt, i18n.language)}</NavLink>
        <UserText>{author}</UserText>
        {n.meta.callId && <span className="ltr-cell">{t('notes.forCall', { callId: n.meta.callId })}</span>}
        {n.meta.version > 1 && <span className="badge">{t('notes.edited', { n: n.meta.version })}</span>}
      </div>
      <NoteProblem result={n.result} />
      {n.result.status !== 'failed' && (
        <p className="note-preview" dir="auto">
          {n.result.payload.text.length > PREVIEW
            ? `${n.result.payload.text.slice(0, PREVIEW)}…`
            : n.result.payload.text}
        </p>
      )}
    </li>
  );
}

/** How many notes are loaded (and match the search), and how many did not open. */
function ListProgress({ list, matching }: { list: NoteList; matching: number | null }) {
  const { t } = useTranslation();
  const failed = list.notes.filter((n) => n.result.status === 'failed').length;
  return (
    <>
      <p
        role="status"
        className="hint"
        data-testid="notes-progress"
        data-loaded={list.notes.length}
        data-complete={list.complete ? 'true' : 'false'}
        data-matching={matching ?? ''}
      >
        {list.complete
          ? t('notes.allLoaded', { count: list.notes.length })
          : t('notes.loading', { count: list.notes.length })}{' '}
        {matching !== null && t('notes.matches', { count: matching })}
      </p>
      {failed > 0 && (
        <p role="alert" className="error">
          {t('notes.someFailed', { count: failed })}
        </p>
      )}
    </>
  );
}
