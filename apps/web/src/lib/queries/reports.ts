import type { ReportDetail } from '@llamenos/protocol';
import { queryOptions } from '@tanstack/react-query';
import { fetchReport, fetchReportCounts } from '../api/index.js';
import type { LooseReport } from '../reports/payload.js';
import { reportsPool } from '../reports/pool.js';
import type { Opened } from '../reports/seal.js';

/**
 * The reports pages' reads. Every key starts with 'reports', so a report hub event makes all
 * of them stale at once (the pages subscribe to report:* themselves, see useReportEvents).
 */
export const reportKeys = {
  all: ['reports'] as const,
  lists: ['reports', 'list'] as const,
  counts: ['reports', 'counts'] as const,
  detail: (id: string) => ['reports', 'one', id] as const,
  grantStatus: (reader: string) => ['reports', 'grant-status', reader] as const,
};

/** A report with its thread, opened in this browser. */
export interface OpenedReport {
  detail: ReportDetail;
  content: Opened<LooseReport>;
  replies: { id: string; authorPubkey: string; createdAt: string; opened: Opened<string> }[];
}

async function openDetail(id: string): Promise<OpenedReport> {
  const pool = reportsPool();
  const detail = await fetchReport(id);
  const items = [
    { kind: 'report' as const, ...detail.report },
    ...detail.replies.map((r) => ({ kind: 'reply' as const, ...r })),
  ];
  const [content, ...replies] = await pool.open(items);
  if (!content) throw new Error('the reports workers returned no result');
  return {
    detail,
    content: content as Opened<LooseReport>,
    replies: detail.replies.map((r, i) => ({
      id: r.id,
      authorPubkey: r.authorPubkey,
      createdAt: r.createdAt,
      opened: (replies[i] ?? { status: 'failed', reason: 'decrypt' }) as Opened<string>,
    })),
  };
}

export const reportQueries = {
  counts: () => queryOptions({ queryKey: reportKeys.counts, queryFn: fetchReportCounts }),
  /**
   * A report opened in this browser. Its plaintext is dropped from the cache as soon as no
   * screen shows it (gcTime 0), as for notes.
   */
  opened: (id: string) =>
    queryOptions({
      queryKey: [...reportKeys.detail(id), 'opened'] as const,
      queryFn: () => openDetail(id),
      gcTime: 0,
    }),
};
