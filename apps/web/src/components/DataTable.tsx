import type { Key, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState } from './EmptyState.js';

export interface Column<Row> {
  /** The column's heading (translated). */
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** The cell that names the row (a person, a role): a row header for screen readers. */
  rowHeader?: boolean;
  /**
   * How the cell's text runs: 'auto' for text a person typed (a name, a reason), isolated with
   * its own direction; 'ltr' for numbers and ids (the .ltr-cell class), left to right on purpose.
   */
  direction?: 'auto' | 'ltr';
  /** More classes for the cell (`break` lets long ids wrap). */
  className?: string;
}

function cellProps({ direction, className }: Pick<Column<unknown>, 'direction' | 'className'>) {
  const classes = [direction === 'ltr' ? 'ltr-cell' : '', className ?? ''].filter(Boolean).join(' ');
  return { dir: direction === 'auto' ? ('auto' as const) : undefined, className: classes || undefined };
}

export interface DataTableProps<Row> {
  caption: ReactNode;
  captionHidden?: boolean;
  rows: readonly Row[];
  rowKey: (row: Row) => Key;
  /** A row's class (an inactive member is greyed). */
  rowClassName?: (row: Row) => string | undefined;
  columns: Column<Row>[];
  /** The row's buttons (RowAction); the column is left out when not given. */
  actions?: (row: Row) => ReactNode;
  /** Said instead of the table when there are no rows; nothing is shown when not given. */
  empty?: ReactNode;
  testId?: string;
  className?: string;
}

/**
 * The admin pages' table: a caption (visible or for screen readers only), column headings,
 * one row per item, and an optional last column of actions on the row.
 */
export function DataTable<Row>({
  caption,
  captionHidden,
  rows,
  rowKey,
  rowClassName,
  columns,
  actions,
  empty,
  testId,
  className,
}: DataTableProps<Row>) {
  const { t } = useTranslation();
  if (rows.length === 0) return empty ? <EmptyState>{empty}</EmptyState> : null;
  return (
    // A table wider than a phone scrolls sideways inside this box: keyboard users reach it with
    // Tab and scroll it with the arrow keys, and screen readers hear it named as its caption.
    // A group, not a landmark: pages name their panels, and a table is not one more region.
    // biome-ignore lint/a11y/useSemanticElements: a fieldset is for form controls, this holds a table
    <div
      className="table-wrap"
      role="group"
      aria-label={typeof caption === 'string' ? caption : undefined}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable box must take focus (WCAG 2.1.1)
      tabIndex={0}
    >
      <table data-testid={testId} className={className}>
        <caption className={captionHidden ? 'visually-hidden' : undefined}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: columns are fixed for a table's life
              <th key={i} scope="col">
                {column.header}
              </th>
            ))}
            {actions && <th scope="col">{t('common.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)}>
              {columns.map((column, i) =>
                column.rowHeader ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: columns are fixed for a table's life
                  <th key={i} scope="row" {...cellProps(column)}>
                    {column.cell(row)}
                  </th>
                ) : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: columns are fixed for a table's life
                  <td key={i} {...cellProps(column)}>
                    {column.cell(row)}
                  </td>
                ),
              )}
              {actions && (
                <td>
                  <div className="button-row compact">{actions(row)}</div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A button acting on one row or list item. It shows the action ("Edit"); screen
 * readers also hear which item ("Edit Night shift"), since a page holds many such buttons.
 */
export function RowAction({
  id,
  action,
  item,
  danger,
  disabled,
  onClick,
}: {
  /** For a row whose buttons take focus back after the row moves. */
  id?: string;
  action: string;
  /** The item's name as the member typed it (read aloud only, so its direction does not matter). */
  item: string;
  danger?: boolean;
  disabled?: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      id={id}
      className={danger ? 'secondary danger-text' : 'secondary'}
      disabled={disabled}
      onClick={onClick}
    >
      {action}
      <span className="visually-hidden"> {item}</span>
    </button>
  );
}
