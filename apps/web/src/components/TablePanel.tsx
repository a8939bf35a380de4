import type { ReactNode } from 'react';
import { DataTable, type DataTableProps } from './DataTable.js';
import { ErrorMessage } from './ErrorMessage.js';
import { Panel } from './Panel.js';

/**
 * Where a panel's rows come from: given as they are (undefined until loaded), with the error
 * that kept them away, or the query that loads them (its data and error).
 */
type RowSource<Row> =
  | { rows: readonly Row[] | undefined; error?: unknown; query?: undefined }
  | { query: { data: readonly Row[] | undefined; error: unknown }; rows?: undefined; error?: undefined };

/**
 * A panel that holds one list as a table (live calls, bans, sessions…). The panel's heading
 * names the table, so the table's caption (the same words) is for screen readers only. In
 * order: `intro`, the error that kept the rows away, the table once its rows are loaded, and
 * `children`.
 */
export function TablePanel<Row>({
  id,
  title,
  intro,
  error,
  rows,
  query,
  children,
  ...table
}: Omit<DataTableProps<Row>, 'caption' | 'captionHidden' | 'rows'> &
  RowSource<Row> & {
    /** The heading's id; the panel is labelled by it. */
    id: string;
    title: string;
    intro?: ReactNode;
    children?: ReactNode;
  }) {
  const loaded = query ? query.data : rows;
  return (
    <Panel id={id} title={title}>
      {intro}
      <ErrorMessage error={query ? query.error : error} />
      {loaded && <DataTable caption={title} captionHidden rows={loaded} {...table} />}
      {children}
    </Panel>
  );
}
