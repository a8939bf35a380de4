import type { ReactNode } from 'react';
import { type DefaultValues, type Path, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { FilterActions } from './FilterActions.js';

/**
 * The filter form above a decrypted list (notes, reports): the list's own fields, a date range
 * whose end must not come before its start, Apply and Clear. The server filters; the form only
 * says what to ask for.
 */

/**
 * One list's filter form: the prefix of its inputs' ids, its classes and its words (the form's
 * accessible name, the message for a date range that ends before it starts, the dates'
 * captions, the author's caption and its "anyone" choice, Apply and Clear).
 */
export interface FilterFormKind {
  idPrefix: string;
  className: string;
  gridClassName: string;
  keys: {
    form: string;
    badRange: string;
    from: string;
    to: string;
    author: string;
    anyAuthor: string;
    apply: string;
    clear: string;
  };
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
    /** The date inputs' registrations (every list's filters have the two dates). */
    range: { from: form.register('from' as Path<Filters>), to: form.register('to' as Path<Filters>) },
    invalidRange: invalid,
    onSubmit: form.handleSubmit((filters) => {
      if (!invalid) onApply(filters);
    }),
    onClear: () => {
      form.reset(empty);
      // A fresh object: the list starts over at its first step even when nothing was filtered.
      onApply({ ...empty });
    },
  };
}

type ListFilters = Pick<ReturnType<typeof useListFilters>, 'range' | 'invalidRange' | 'onSubmit' | 'onClear'>;

/**
 * A filter form's "from" and "to" dates; "to" is marked invalid (and points at the form's
 * message `${idPrefix}-range`) while it is before "from".
 */
export function DateRangeFields({
  kind: { idPrefix, keys },
  filters: { range, invalidRange: invalid },
}: {
  kind: FilterFormKind;
  filters: ListFilters;
}) {
  const { t } = useTranslation();
  return (
    <>
      <div>
        <label htmlFor={`${idPrefix}-from`}>{t(keys.from)}</label>
        <input id={`${idPrefix}-from`} type="date" {...range.from} />
      </div>
      <div>
        <label htmlFor={`${idPrefix}-to`}>{t(keys.to)}</label>
        <input
          id={`${idPrefix}-to`}
          type="date"
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? `${idPrefix}-range` : undefined}
          {...range.to}
        />
      </div>
    </>
  );
}

/**
 * A list's filter form: its fields in a grid, anything below the grid, the message for a date
 * range that ends before it starts, and Apply / Clear. The form's state stays with the caller
 * (react-hook-form over its own filter type, through useListFilters).
 */
export function FilterForm({
  kind: { idPrefix, className, gridClassName, keys },
  filters,
  afterGrid,
  children,
}: {
  kind: FilterFormKind;
  filters: ListFilters;
  afterGrid?: ReactNode;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <form className={`panel ${className}`} aria-label={t(keys.form)} onSubmit={filters.onSubmit}>
      <div className={gridClassName}>{children}</div>
      {afterGrid}
      {filters.invalidRange && (
        <p id={`${idPrefix}-range`} role="alert" className="error">
          {t(keys.badRange)}
        </p>
      )}
      <FilterActions apply={t(keys.apply)} clear={t(keys.clear)} onClear={filters.onClear} />
    </form>
  );
}
