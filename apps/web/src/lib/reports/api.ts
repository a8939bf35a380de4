import type { SealedEnvelope } from '@llamenos/crypto';
import type { ReportPayload, ReportStatus } from '@llamenos/protocol';
import {
  ApiRequestError,
  fetchNewReportReaders,
  fetchReportReaders,
  fetchReports,
  postReport,
  postReportReply,
} from '../api/index.js';
import { listPageFetcher, listPagePath } from '../list-query.js';
import { sealReply, sealReport } from './seal.js';

/** Filters of the reports list, as the form holds them (dates as yyyy-mm-dd, local time). */
export interface ReportFilters {
  status: '' | ReportStatus;
  typeId: string;
  authorPubkey: string;
  from: string;
  to: string;
  /** `mine`: only the caller's own reports, even for a report admin. */
  scope: 'mine' | 'all';
}

export const NO_REPORT_FILTERS: ReportFilters = {
  status: '',
  typeId: '',
  authorPubkey: '',
  from: '',
  to: '',
  scope: 'all',
};

/** The list's path (GET /api/reports) with its filters and cursor; "all" is the server's default scope. */
export const reportListPath = (filters: ReportFilters, limit: number, cursor: string | null): string =>
  listPagePath('/api/reports', { ...filters, scope: filters.scope === 'mine' ? 'mine' : '' }, limit, cursor);

export const fetchReportPage = listPageFetcher(reportListPath, fetchReports);

/** The server names missing or unexpected readers when the set of report admins changed meanwhile. */
export function readersChanged(error: unknown): boolean {
  if (!(error instanceof ApiRequestError) || error.status !== 400) return false;
  const details = error.details as { missingReaders?: unknown; unexpectedReaders?: unknown } | undefined;
  return Array.isArray(details?.missingReaders) || Array.isArray(details?.unexpectedReaders);
}

/** Seals for the current readers and sends; when the admins changed meanwhile, seals again once. */
async function sealAndSend<T>(
  readers: () => Promise<string[]>,
  seal: (readers: string[]) => SealedEnvelope,
  send: (envelope: SealedEnvelope) => Promise<T>,
): Promise<T> {
  try {
    return await send(seal(await readers()));
  } catch (error) {
    if (!readersChanged(error)) throw error;
    return send(seal(await readers()));
  }
}

/** Files a new report under an id chosen here before sealing (a retry with the same id is idempotent). */
export const createReport = (id: string, typeId: string | null, payload: ReportPayload) =>
  sealAndSend(
    fetchNewReportReaders,
    (readers) => sealReport(payload, id, readers),
    (envelope) => postReport({ id, typeId, envelope }),
  );

/** Adds a reply to a report's thread, sealed for its author and every current report admin. */
export const replyToReport = (reportId: string, replyId: string, body: string) =>
  sealAndSend(
    () => fetchReportReaders(reportId),
    (readers) => sealReply(body, replyId, readers),
    (envelope) => postReportReply(reportId, { id: replyId, envelope }),
  );
