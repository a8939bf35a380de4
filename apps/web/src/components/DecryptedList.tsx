import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from './ErrorMessage.js';
import type { OpenedPages } from './useOpenedPages.js';

/**
 * The parts the notes list and the reports list share. Both hold rows opened in the browser
 * (the server cannot read them), so searching runs in the workers over what has been opened so
 * far, and the page shows the matches a step at a time (thousands of rows would make the page
 * slow to draw).
 */

/** Rows shown at first, and added by each "Show more". */
export const SHOWN_STEP = 50;

/** Asks the workers which rows (by key) match the query. */
export type WorkerSearch = (query: string, keys: string[]) => Promise<Set<string>>;

/** The keys of the rows matching the query (debounced), or null when there is no query. */
function useWorkerSearch<Row>(
  query: string,
  rows: Row[],
  keyOf: (row: Row) => string,
  search: WorkerSearch,
): Set<string> | null {
  const [found, setFound] = useState<Set<string> | null>(null);
  const [debounced, setDebounced] = useState(query);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(query), 150);
    return () => clearTimeout(timer);
  }, [query]);
  const count = rows.length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run as more rows arrive (count)
  useEffect(() => {
    if (!debounced.trim()) {
      setFound(null);
      return;
    }
    let current = true;
    search(debounced, rows.map(keyOf))
      .then((keys) => current && setFound(keys))
      .catch(() => current && setFound(new Set()));
    return () => {
      current = false;
    };
  }, [debounced, count]);
  return query.trim() ? found : null;
}

/**
 * One decrypted list (notes, reports): `name` gives the ids the browser tests and benchmarks
 * know (`${name}-search` and `${name}-progress`); the search box's class and the list's words;
 * each row's key and the workers' search over those keys.
 */
export interface DecryptedListKind<Row> {
  name: string;
  searchClass: string;
  keys: ListWordKeys;
  keyOf: (row: Row) => string;
  search: WorkerSearch;
}

/**
 * The search box's query, the rows it matches, and the ones shown now. A new query or new
 * filters (`filters` is another object) start over at the first step of matches. The kind is a
 * module-level constant (its functions stable), so the matches are worked out again only when
 * the rows or the result do.
 */
function useSearchAndSteps<Row>(rows: Row[], { keyOf, search }: DecryptedListKind<Row>, filters: unknown) {
  const [query, setQuery] = useState('');
  const found = useWorkerSearch(query, rows, keyOf, search);
  const [shown, setShown] = useState(SHOWN_STEP);
  const [shownFor, setShownFor] = useState(filters);
  if (shownFor !== filters) {
    setShownFor(filters);
    setShown(SHOWN_STEP);
  }
  const matching = useMemo(
    () => (found ? rows.filter((row) => found.has(keyOf(row))) : rows),
    [found, rows, keyOf],
  );
  return {
    query,
    setQuery: (next: string) => {
      setQuery(next);
      setShown(SHOWN_STEP);
    },
    /** Null while there is no query. */
    found,
    matching,
    visible: matching.slice(0, shown),
    /** How many one more step would add (0: all are shown). */
    more: Math.max(0, Math.min(SHOWN_STEP, matching.length - shown)),
    showMore: () => setShown(shown + SHOWN_STEP),
  };
}

type SearchAndSteps<Row> = ReturnType<typeof useSearchAndSteps<Row>>;

/**
 * A list's translation keys for its search box, its progress line and its "Show more" (the
 * progress words and `showMore` take a count).
 */
export interface ListWordKeys {
  search: string;
  searchHint: string;
  loading: string;
  allLoaded: string;
  matches: string;
  someFailed: string;
  showMore: string;
}

/**
 * A decrypted list with its search box, progress line and "Show more": `children` draws the
 * rows shown now (`searching` while a search is on). New `filters` start over at the first step.
 */
export function DecryptedList<Row>({
  kind,
  list,
  filters,
  failed,
  error,
  children,
}: {
  kind: DecryptedListKind<Row>;
  list: OpenedPages<Row>;
  filters: unknown;
  /** How many of the loaded rows did not open. */
  failed: number;
  error: unknown;
  children: (shown: Row[], searching: boolean) => ReactNode;
}) {
  const { t } = useTranslation();
  const search = useSearchAndSteps(list.rows, kind, filters);
  return (
    <>
      <ListSearchAndProgress kind={kind} list={list} search={search} failed={failed} error={error} />
      {children(search.visible, search.found !== null)}
      <ShowMoreButton
        more={search.more}
        caption={t(kind.keys.showMore, { count: search.more })}
        onClick={search.showMore}
      />
    </>
  );
}

/** Above a decrypted list: the search box, why the list (or what it needs) did not load, and the progress line. */
function ListSearchAndProgress<Row>({
  kind: { name, searchClass, keys },
  list,
  search,
  failed,
  error,
}: {
  kind: DecryptedListKind<Row>;
  list: OpenedPages<Row>;
  search: SearchAndSteps<Row>;
  /** How many of the loaded rows did not open. */
  failed: number;
  error: unknown;
}) {
  const { t } = useTranslation();
  return (
    <>
      <ListSearch
        id={`${name}-search`}
        className={searchClass}
        caption={t(keys.search)}
        hint={t(keys.searchHint)}
        value={search.query}
        onChange={search.setQuery}
      />
      <ErrorMessage error={error} />
      <ListProgress
        testId={`${name}-progress`}
        loaded={list.rows.length}
        complete={list.complete}
        matching={search.found ? search.matching.length : null}
        failed={failed}
        words={{
          loading: (count) => t(keys.loading, { count }),
          allLoaded: (count) => t(keys.allLoaded, { count }),
          matches: (count) => t(keys.matches, { count }),
          someFailed: (count) => t(keys.someFailed, { count }),
        }}
      />
    </>
  );
}

/** The search box over the opened rows, with a hint that says what it searches. */
function ListSearch({
  id,
  className,
  caption,
  hint,
  value,
  onChange,
}: {
  id: string;
  className: string;
  caption: string;
  hint: string;
  value: string;
  onChange: (query: string) => void;
}) {
  return (
    <div className={className}>
      <label htmlFor={id}>{caption}</label>
      <input
        id={id}
        type="search"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={`${id}-hint`}
      />
      <p id={`${id}-hint`} className="hint">
        {hint}
      </p>
    </div>
  );
}

/** "Show N more" while there are matches below the ones shown. */
function ShowMoreButton({ more, caption, onClick }: { more: number; caption: string; onClick: () => void }) {
  if (more === 0) return null;
  return (
    <button type="button" className="secondary" onClick={onClick}>
      {caption}
    </button>
  );
}

/** A list's words for its progress line (each takes a count). */
interface ProgressWords {
  loading: (count: number) => string;
  allLoaded: (count: number) => string;
  matches: (count: number) => string;
  someFailed: (count: number) => string;
}

/**
 * How many rows are loaded (and match the search), for the eye and for screen readers, and how
 * many did not open. The data attributes are for the browser tests and the benchmarks.
 */
function ListProgress({
  testId,
  loaded,
  complete,
  matching,
  failed,
  words,
}: {
  testId: string;
  loaded: number;
  complete: boolean;
  /** Null while there is no search. */
  matching: number | null;
  failed: number;
  words: ProgressWords;
}) {
  return (
    <>
      <p
        role="status"
        className="hint"
        data-testid={testId}
        data-loaded={loaded}
        data-complete={complete ? 'true' : 'false'}
        data-matching={matching ?? ''}
      >
        {complete ? words.allLoaded(loaded) : words.loading(loaded)}{' '}
        {matching !== null && words.matches(matching)}
      </p>
      {failed > 0 && (
        <p role="alert" className="error">
          {words.someFailed(failed)}
        </p>
      )}
    </>
  );
}
