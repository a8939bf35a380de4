import type { ReactNode } from 'react';
import { DataTable, type DataTableProps } from './DataTable.js';
import { ErrorMessage } from './ErrorMessage.js';
import { Panel } from './Panel.js';

/**
 * A panel that holds one list as a table (live calls, bans, sessions…). The panel's heading
 * names the table, so the table's caption (the same words) is for screen readers only. In
 * order: `intro`, the error that kept the rows away, the table once its rows are loaded (`rows`
 * is undefined until then), and `children`.
 */
export function TablePanel<Row>({
  id,
  title,
  intro,
  error,
  rows,
  children,
  ...table
}: Omit<DataTableProps<Row>, 'caption' | 'captionHidden' | 'rows'> & {
  /** The heading's id; the panel is labelled by it. */
  id: string;
  title: string;
  intro?: ReactNode;
  error?: unknown;
  rows: readonly Row[] | undefined;
  children?: ReactNode;
}) {
  return (
    <Panel id={id} title={title}>
      {intro}
      <ErrorMessage error={error} />
      {rows && <DataTable caption={title} captionHidden rows={rows} {...table} />}
      {children}
    </Panel>
  );
}
