import type { ReportMeta } from '@llamenos/protocol';
import { useEffect, useState } from 'react';
import { fetchReportPage, type ReportFilters } from '../../lib/reports/api.js';
import type { LooseReport } from '../../lib/reports/payload.js';
import { reportsPool } from '../../lib/reports/pool.js';
import type { Opened } from '../../lib/reports/seal.js';

export interface ListedReport {
  meta: ReportMeta;
  opened: Opened<LooseReport>;
}

export interface ReportList {
  reports: ListedReport[];
  /** True once every page has been fetched and opened. */
  complete: boolean;
  error: unknown;
}

const FIRST_PAGE = 50;
const NEXT_PAGES = 200;

/**
 * Loads the reports matching `filters`, newest first, as the notes list does: a small first
 * page opened and shown at once, then the rest in larger pages; each page goes to the workers
 * as it arrives. Only what was opened is kept here, not the ciphertexts. `version` re-reads
 * the list (a hub event said a report changed).
 */
export function useReportList(filters: ReportFilters, version: number): ReportList {
  const [state, setState] = useState<ReportList>({ reports: [], complete: false, error: null });
  const filterKey = JSON.stringify(filters);

  // biome-ignore lint/correctness/useExhaustiveDependencies: filterKey stands for filters
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      const pool = reportsPool();
      const loaded: ListedReport[] = [];
      let cursor: string | null = null;
      for (let first = true; ; first = false) {
        const page = await fetchReportPage(filters, first ? FIRST_PAGE : NEXT_PAGES, cursor, abort.signal);
        if (abort.signal.aborted) return;
        const results = await pool.open(page.reports.map((r) => ({ kind: 'report' as const, ...r })));
        if (abort.signal.aborted) return;
        page.reports.forEach((r, i) => {
          const { ciphertext: _c, wrap: _w, ...meta } = r;
          const opened = (results[i] ?? { status: 'failed', reason: 'decrypt' }) as Opened<LooseReport>;
          loaded.push({ meta, opened });
        });
        const last = !page.nextCursor;
        // A re-read replaces the list only when its first page is in, so rows do not flicker away.
        setState({ reports: [...loaded], complete: last, error: null });
        if (last) break;
        cursor = page.nextCursor;
      }
    })().catch((error: unknown) => {
      if (!abort.signal.aborted) setState((s) => ({ ...s, error }));
    });
    return () => abort.abort();
  }, [filterKey, version]);

  return state;
}
