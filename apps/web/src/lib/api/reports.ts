import type { SealedEnvelope } from '@llamenos/crypto';
import {
  ReplyResponse,
  ReportCountsSchema,
  ReportDetailSchema,
  ReportGrantResultSchema,
  ReportGrantStatusSchema,
  ReportGrantWorkSchema,
  ReportMetaResponse,
  ReportPageSchema,
  ReportReadersSchema,
  type ReportStatus,
} from '@llamenos/protocol';
import { grantStatusPath, grantWorkPath } from './grants.js';
import { request, requestVoid } from './http.js';

/**
 * The reports routes as the web client uses them: ciphertext and wraps in, metadata out.
 * Sealing and opening happen elsewhere (lib/reports), never here.
 */

/** A page of reports; `path` is the list's path with its filters and cursor (lib/reports builds it). */
export const fetchReports = (path: string, signal?: AbortSignal) =>
  request(ReportPageSchema, 'GET', path, undefined, signal ? { signal } : {});

/** One report with its replies and attachments, each with only the caller's own wrap. */
export const fetchReport = (id: string) => request(ReportDetailSchema, 'GET', `/api/reports/${id}`);

/** Live reports by type and status [reports:read-all]. */
export const fetchReportCounts = async () =>
  (await request(ReportCountsSchema, 'GET', '/api/reports/counts')).counts;

/** Every key a new report of the caller must be sealed for (the caller and every report admin). */
export const fetchNewReportReaders = async () =>
  (await request(ReportReadersSchema, 'GET', '/api/reports/readers')).readers;

/** Every key new content on a report (a reply, an attachment) must be sealed for. */
export const fetchReportReaders = async (id: string) =>
  (await request(ReportReadersSchema, 'GET', `/api/reports/${id}/readers`)).readers;

export const postReport = async (body: { id: string; typeId: string | null; envelope: SealedEnvelope }) =>
  (await request(ReportMetaResponse, 'POST', '/api/reports', body)).report;

/** The workflow fields, set by report admins. */
export const patchReport = async (
  id: string,
  change: { status?: ReportStatus; assigneeId?: string | null },
) => (await request(ReportMetaResponse, 'PATCH', `/api/reports/${id}`, change)).report;

export const postReportReply = async (reportId: string, body: { id: string; envelope: SealedEnvelope }) =>
  (await request(ReplyResponse, 'POST', `/api/reports/${reportId}/replies`, body)).reply;

export const deleteReport = (id: string) => requestVoid('DELETE', `/api/reports/${id}`);

export const fetchReportGrantStatus = (reader: string) =>
  request(ReportGrantStatusSchema, 'GET', grantStatusPath('reports', reader));

export const fetchReportGrantWork = (reader: string, after: string | null, limit: number) =>
  request(ReportGrantWorkSchema, 'GET', grantWorkPath('reports', reader, after, limit));

export const postReportGrant = (reader: string, wraps: { recordId: string; wrap: string }[]) =>
  request(ReportGrantResultSchema, 'POST', '/api/reports/grant', { reader, wraps });
