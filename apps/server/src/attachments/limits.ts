import { paddedLength, type ReportsSettings } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import * as store from './store.js';

/**
 * The admins' size limits (settings.reports) as the server can enforce them: on the padded
 * sizes a stream's shape reveals, when an upload opens and again with every chunk.
 */

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
/** A limit as people read it: "2 GiB", "500 MiB", "1.5 GiB". */
export function formatLimit(bytes: number): string {
  const [unit, size] = bytes >= GIB ? ['GiB', GIB] : ['MiB', MIB];
  const value = bytes / (size as number);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}

/**
 * Whether a stream of this shape fits the admins' current limits. The server knows only padded
 * sizes (§10.2): a file within maxFileBytes pads to at most paddedLength(maxFileBytes), and its
 * last chunk may round that up by less than one chunk. A report's total allows each file its
 * padding (at most 1/8, at least 64 KiB) and its rounding; the browser checks exact sizes first.
 * Null when it fits, else the message of the 413.
 */
export async function limitProblem(
  db: Queryable,
  settings: ReportsSettings,
  a: Pick<store.AttachmentRow, 'id' | 'reportId' | 'chunkCount' | 'chunkLog2'>,
): Promise<string | null> {
  const chunk = 2 ** a.chunkLog2;
  const bucket = store.sizeBucketOf(a);
  const maxChunks = Math.max(1, Math.ceil(paddedLength(settings.maxFileBytes) / chunk));
  if (a.chunkCount > maxChunks)
    return `this attachment is larger than the hotline's limit of ${formatLimit(settings.maxFileBytes)} per file`;
  const usage = await store.reportUsage(db, a.reportId, a.id);
  const files = usage.files + 1;
  const allowance = Math.ceil((settings.maxReportBytes * 9) / 8) + files * (65_536 + chunk);
  if (usage.bytes + bucket > allowance)
    return `this report's attachments would be larger than the hotline's limit of ${formatLimit(settings.maxReportBytes)} per report`;
  return null;
}
