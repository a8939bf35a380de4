import { type FormEventHandler, type ReactNode, useEffect, useMemo, useState } from 'react';
import { type DefaultValues, type UseFormRegisterReturn, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from './ErrorMessage.js';
import { FilterActions } from './FilterActions.js';
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
 * The search box's query, the rows it matches, and the ones shown now. A new query or new
 * filters start over at the first step of matches. `keyOf` and `search` are module-level
 * functions (stable), so the matches are worked out again only when the rows or the result do.
 */
export function useSearchAndSteps<Row>(rows: Row[], keyOf: (row: Row) => string, search: WorkerSearch) {
  const [query, setQuery] = useState('');
  const found = useWorkerSearch(query, rows, keyOf, search);
  const [shown, setShown] = useState(SHOWN_STEP);
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
    startOver: () => setShown(SHOWN_STEP),
  };
}

export type SearchAndSteps<Row> = ReturnType<typeof useSearchAndSteps<Row>>;

/** A list's translation keys for its search box and its progress line (the progress words take a count). */
export interface ListWordKeys {
  search: string;
  searchHint: string;
  loading: string;
  allLoaded: string;
  matches: string;
  someFailed: string;
}

/**
 * Above a decrypted list: the search box, why the list (or what it needs) did not load, and the
 * progress line. `name` ('notes', 'reports') gives the ids the browser tests and benchmarks
 * know: `${name}-search` and `${name}-progress`.
 */
export function ListSearchAndProgress<Row>({
  name,
  className,
  keys,
  list,
  search,
  failed,
  error,
}: {
  name: string;
  className: string;
  keys: ListWordKeys;
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
        className={className}
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
export function ShowMoreButton({
  more,
  caption,
  onClick,
}: {
  more: number;
  caption: string;
  onClick: () => void;
}) {
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

/**
 * A filter form's "from" and "to" dates; "to" is marked invalid (and points at the form's
 * message `${idPrefix}-range`) while it is before "from".
 */
export function DateRangeFields({
  idPrefix,
  labels,
  from,
  to,
  invalid,
}: {
  idPrefix: string;
  labels: { from: string; to: string };
  /** The inputs' registrations (react-hook-form's register('from'), register('to')). */
  from: UseFormRegisterReturn;
  to: UseFormRegisterReturn;
  invalid: boolean;
}) {
  return (
    <>
      <div>
        <label htmlFor={`${idPrefix}-from`}>{labels.from}</label>
        <input id={`${idPrefix}-from`} type="date" {...from} />
      </div>
      <div>
        <label htmlFor={`${idPrefix}-to`}>{labels.to}</label>
        <input
          id={`${idPrefix}-to`}
          type="date"
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? `${idPrefix}-range` : undefined}
          {...to}
        />
      </div>
    </>
  );
}

/** True while both dates are filled in and "to" is before "from" (ISO dates compare as text). */
const invalidRange = (from: string | undefined, to: string | undefined): boolean =>
  Boolean(from && to && from > to);

/**
 * A filter form's state (react-hook-form over the list's own filter type) with the date-range
 * check: Apply hands the filters to `onApply` while the range is valid; Clear empties the form
 * and applies the empty filters at once.
 */
export function useListFilters<Filters extends { from: string; to: string }>(
  empty: Filters,
  onApply: (filters: Filters) => void,
) {
  const form = useForm<Filters>({ defaultValues: empty as DefaultValues<Filters> });
  const { from, to } = form.watch();
  const invalid = invalidRange(from, to);
  return {
    form,
    register: form.register,
    invalidRange: invalid,
    onSubmit: form.handleSubmit((filters) => {
      if (!invalid) onApply(filters);
    }),
    onClear: () => {
      form.reset(empty);
      onApply(empty);
    },
  };
}

/**
 * A list's filter form: its fields in a grid, anything below the grid, the message for a date
 * range that ends before it starts, and Apply / Clear. The form's state stays with the caller
 * (react-hook-form over its own filter type).
 */
export function FilterForm({
  formName,
  className,
  gridClassName,
  onSubmit,
  afterGrid,
  rangeError,
  apply,
  clear,
  onClear,
  children,
}: {
  /** The form's accessible name. */
  formName: string;
  className: string;
  gridClassName: string;
  onSubmit: FormEventHandler<HTMLFormElement>;
  afterGrid?: ReactNode;
  /** Shown while the date range is invalid: its id is the one DateRangeFields points at. */
  rangeError: { id: string; message: string } | null;
  apply: string;
  clear: string;
  onClear: () => void;
  children: ReactNode;
}) {
  return (
    <form className={`panel ${className}`} aria-label={formName} onSubmit={onSubmit}>
      <div className={gridClassName}>{children}</div>
      {afterGrid}
      {rangeError && (
        <p id={rangeError.id} role="alert" className="error">
          {rangeError.message}
        </p>
      )}
      <FilterActions apply={apply} clear={clear} onClear={onClear} />
    </form>
  );
}
