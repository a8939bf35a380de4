import type { AttachmentView } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';

/*
 * The one place the reports module reaches into the attachments module: a report's detail
 * lists its attachments, and deleting a report (by hand or by retention) removes their blob
 * files. Until attachments/service.ts exports these, a report has no attachments to list or
 * remove; then this file becomes a re-export of them.
 */

/** The attachments of a report as `caller` sees them (with the caller's own wrap of each file key). */
export async function listAttachmentViews(
  _db: Queryable,
  _reportId: string,
  _callerPubkey: string,
): Promise<AttachmentView[]> {
  return [];
}

/** Removes the attachments of these reports: their rows, wraps and blob files. */
export async function removeAttachmentsOfReports(
  _ctx: ServerContext,
  _reportIds: readonly string[],
): Promise<void> {}
