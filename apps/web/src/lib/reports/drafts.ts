import { z } from 'zod';
import { deviceDrafts } from '../device-drafts.js';
import type { ReportFormValues } from './payload.js';

/**
 * A report being written, kept on this device only until it is filed: a field worker whose
 * page reloads, or whose app locks mid-sentence, finds it again. Encrypted like note drafts
 * (lib/device-drafts.ts), bound to `report-draft:<reportId>`. Chosen files are not kept (only
 * the member can hand the browser a file); they are chosen again.
 */
export interface ReportDraft {
  reportId: string;
  typeId: string | null;
  values: ReportFormValues;
  savedAt: string;
}

const reportDrafts = deviceDrafts({
  prefix: 'llamenos.report-draft.',
  idField: 'reportId',
  recordId: (reportId) => `report-draft:${reportId}`,
  id: z.uuid(),
  meta: z.object({}),
  content: z.object({
    typeId: z.string().nullable(),
    values: z.object({
      title: z.string(),
      body: z.string(),
      category: z.string(),
      fields: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
    }),
  }),
});

/** Saves (replaces) the draft of a report not filed yet; false without the member's key. */
export function saveReportDraft(
  secretKey: Uint8Array | null,
  reportId: string,
  typeId: string | null,
  values: ReportFormValues,
  now: Date = new Date(),
): boolean {
  return reportDrafts.save(secretKey, reportId, {}, { typeId, values }, now);
}

/** The newest unfiled report this member left on this device. */
export function findReportDraft(secretKey: Uint8Array | null): ReportDraft | null {
  const newest = reportDrafts.all(secretKey)[0];
  return newest ? { reportId: newest.id, savedAt: newest.savedAt, ...newest.content } : null;
}

export function deleteReportDraft(reportId: string): void {
  reportDrafts.remove(reportId);
}
