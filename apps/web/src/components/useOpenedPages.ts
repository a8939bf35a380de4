import { useEffect, useState } from 'react';

/**
 * A list of sealed rows (notes, reports) fetched page by page and opened in the browser's
 * workers. Only what was opened is kept, never the ciphertexts.
 */
export interface OpenedPages<Row> {
  rows: Row[];
  /** True once every page has been fetched and opened. */
  complete: boolean;
  error: unknown;
}

/**
 * Page sizes: a small first page, opened and shown at once, then the rest in larger pages in
 * the background (fewer round trips; the workers' queues keep them busy).
 */
export const FIRST_PAGE = 50;
export const NEXT_PAGES = 200;

/** Shows the rows opened so far: `update` gets the rows shown now and returns the next ones. */
export type ShowRows<Row> = (update: (shown: Row[]) => Row[], complete: boolean) => void;

/**
 * Runs `load` whenever `key` changes (the filters, a re-read), aborting the run before it; an
 * error ends the run and is kept beside the rows shown so far. `startEmpty` clears the list when
 * a run starts; without it the old rows stay until the new run shows its first page (no flicker
 * on a re-read). `key` stands for everything `load` reads.
 */
export function useOpenedPages<Row>(
  key: string,
  load: (signal: AbortSignal, show: ShowRows<Row>) => Promise<void>,
  { startEmpty }: { startEmpty: boolean },
): OpenedPages<Row> {
  const [state, setState] = useState<OpenedPages<Row>>({ rows: [], complete: false, error: null });

  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for what load reads
  useEffect(() => {
    const abort = new AbortController();
    if (startEmpty) setState({ rows: [], complete: false, error: null });
    const show: ShowRows<Row> = (update, complete) => {
      if (!abort.signal.aborted) setState((s) => ({ rows: update(s.rows), complete, error: null }));
    };
    load(abort.signal, show).catch((error: unknown) => {
      if (!abort.signal.aborted) setState((s) => ({ ...s, error }));
    });
    return () => abort.abort();
  }, [key]);

  return state;
}
