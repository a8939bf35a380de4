import type { ReportMeta } from '@llamenos/protocol';
import { FIRST_PAGE, NEXT_PAGES, type OpenedPages, useOpenedPages } from '../../components/useOpenedPages.js';
import { fetchReportPage, type ReportFilters } from '../../lib/reports/api.js';
import type { LooseReport } from '../../lib/reports/payload.js';
import { reportsPool } from '../../lib/reports/pool.js';
import type { Opened } from '../../lib/reports/seal.js';

export interface ListedReport {
  meta: ReportMeta;
  opened: Opened<LooseReport>;
}

export type ReportList = OpenedPages<ListedReport>;

/**
 * Loads the reports matching `filters`, newest first, as the notes list does: a small first
 * page opened and shown at once, then the rest in larger pages; each page goes to the workers
 * as it arrives. `version` re-reads the list (a hub event said a report changed); a re-read
 * replaces the list only when its first page is in, so rows do not flicker away.
 */
export function useReportList(filters: ReportFilters, version: number): ReportList {
  return useOpenedPages<ListedReport>(
    JSON.stringify([filters, version]),
    async (signal, show) => {
      const pool = reportsPool();
      const loaded: ListedReport[] = [];
      let cursor: string | null = null;
      for (let first = true; ; first = false) {
        const page = await fetchReportPage(filters, first ? FIRST_PAGE : NEXT_PAGES, cursor, signal);
        if (signal.aborted) return;
        const results = await pool.open(page.reports.map((r) => ({ kind: 'report' as const, ...r })));
        if (signal.aborted) return;
        page.reports.forEach((r, i) => {
          const { ciphertext: _c, wrap: _w, ...meta } = r;
          const opened = (results[i] ?? { status: 'failed', reason: 'decrypt' }) as Opened<LooseReport>;
          loaded.push({ meta, opened });
        });
        const last = !page.nextCursor;
        show(() => [...loaded], last);
        if (last) break;
        cursor = page.nextCursor;
      }
    },
    { startEmpty: false },
  );
}
