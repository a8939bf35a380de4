import { type AttachmentView, hasPermission } from '@llamenos/protocol';
import { appendAudit, appendAuditInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { Member } from '../domain/actor.js';
import { forbidden, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { readableReport, readsAllReports } from '../reports/access.js';
import { announceReport } from '../reports/notify.js';
import { openSealedFile, removeSealedFiles } from './sealed-files.js';
import * as store from './store.js';

/**
 * Attachments apart from their upload (upload.ts): what the reports module asks of them, their
 * download, their removal, and the sweep of abandoned uploads.
 */

/** A member acting on attachments (an uploader, a reader of the report, a report admin). */
export type AttachmentCaller = Member;

/** An upload untouched this long is abandoned: the stale-upload sweep removes it and its partial file. */
export const STALE_UPLOAD_MS = 7 * 24 * 3600 * 1000;

/** Appends an attachment's entry to the audit chain (target: its report; details: ids and counts only). */
export const audit = (
  tx: Queryable,
  caller: AttachmentCaller | null,
  action: string,
  now: Date,
  target: string,
  details: Record<string, string | number>,
) =>
  appendAuditInTx(
    tx,
    { action, actorPubkey: caller?.pubkey ?? null, ipHash: caller?.ipHash ?? null, target, details },
    now,
  );

// ---------------------------------------------------------------------------------------------
// For the reports module

/** A report's attachments as `callerPubkey` sees them: with their own wrap of each file key, or null. */
export async function listAttachmentViews(
  db: Queryable,
  reportId: string,
  callerPubkey: string,
): Promise<AttachmentView[]> {
  const rows = await store.attachmentsOfReport(db, reportId);
  if (!rows.length) return [];
  const wraps = await store.wrapsOfReportFor(db, reportId, callerPubkey);
  return rows.map((a) => {
    const wrap = wraps.get(a.id);
    return store.viewOf(a, wrap ? { reader: callerPubkey, wrap } : null);
  });
}

/**
 * Deletes every attachment of the given reports: rows, wraps, and their files from disk (partial
 * or complete). Call it BEFORE the reports' rows are deleted: the cascade from `reports` would
 * drop the rows and leave the files behind.
 */
export async function removeAttachmentsOfReports(
  ctx: ServerContext,
  reportIds: readonly string[],
): Promise<void> {
  if (!reportIds.length) return;
  const files = await ctx.db.transaction(async (tx) => {
    const rows = await store.attachmentsOfReports(tx, reportIds);
    return store.deleteAttachments(
      tx,
      rows.map((a) => a.id),
    );
  });
  await removeSealedFiles(ctx, files);
}

// ---------------------------------------------------------------------------------------------
// Download and deletion

/** A complete attachment's stream file, for a caller who may see its report; audited. */
export async function openAttachment(
  ctx: ServerContext,
  caller: AttachmentCaller,
  id: string,
): Promise<{ size: number; stream: ReadableStream<Uint8Array> }> {
  const a = await store.readAttachment(ctx.db, id);
  if (!a) throw notFound('no such attachment');
  // Only a complete upload's blob is ever served; a partial file has no route.
  const file = await openSealedFile(
    ctx,
    caller,
    { kind: 'report', reportId: a.reportId },
    a.state === 'complete' ? a.blobId : null,
    'this attachment is not uploaded yet',
  );
  await appendAudit(
    ctx.db,
    {
      action: 'reports.attachment-downloaded',
      actorPubkey: caller.pubkey,
      ipHash: caller.ipHash,
      target: `report:${a.reportId}`,
      details: { attachmentId: a.id },
    },
    ctx.now(),
  );
  return file;
}

/**
 * Removes an attachment: the uploader cancels their own unfinished upload; a report admin
 * removes any. Its row, wraps and file (partial or complete) are deleted.
 */
export async function deleteAttachment(
  ctx: ServerContext,
  caller: AttachmentCaller,
  id: string,
): Promise<void> {
  const now = ctx.now();
  const files = await ctx.db.transaction(async (tx) => {
    const a = await store.readAttachment(tx, id, true);
    if (!a) throw notFound('no such attachment');
    await readableReport(tx, caller, a.reportId);
    const admin = readsAllReports(caller);
    if (!admin) {
      if (a.uploaderId !== caller.userId) throw notFound('no such attachment');
      if (!hasPermission(caller.permissions, 'reports:write')) throw forbidden();
      if (a.state === 'complete') throw forbidden('a finished attachment is removed by a report admin');
    }
    const removed = await store.deleteAttachments(tx, [a.id]);
    await audit(tx, caller, 'reports.attachment-deleted', now, `report:${a.reportId}`, {
      attachmentId: a.id,
      state: a.state,
    });
    return { ...removed, reportId: a.reportId };
  });
  await removeSealedFiles(ctx, files);
  await announceReport(ctx, 'report:updated', files.reportId);
}

/**
 * Removes uploads nobody continued for STALE_UPLOAD_MS (a closed tab, a lost device) and failed
 * ones as old: rows, wraps and partial files; and partial files as old that no upload names (a
 * crash between making the file and recording the upload). Returns how many uploads went.
 */
export async function removeStaleUploads(ctx: ServerContext, now: Date, batch = 100): Promise<number> {
  const before = new Date(now.getTime() - STALE_UPLOAD_MS);
  let removed = 0;
  for (;;) {
    const files = await ctx.db.transaction(async (tx) => {
      // Locked and re-checked in one statement each, so a chunk arriving now is not lost under it.
      const ids = [
        ...(await store.staleUploads(tx, before, batch)),
        ...(await store.oldFailedUploads(tx, before, batch)),
      ];
      return { ids, ...(await store.deleteAttachments(tx, ids)) };
    });
    if (!files.ids.length) break;
    await removeSealedFiles(ctx, files);
    removed += files.ids.length;
  }
  const old = (await ctx.blobs.partials()).filter((p) => p.modifiedAt < before).map((p) => p.id);
  const named = await store.namedPartials(ctx.db, old);
  for (const id of old) if (!named.has(id)) await ctx.blobs.removePartial(id);
  return removed;
}
