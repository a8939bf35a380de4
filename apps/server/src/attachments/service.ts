import { type AttachmentView, hasPermission } from '@llamenos/protocol';
import { appendAudit, appendAuditInTx } from '../audit/service.js';
import { visibleConversation } from '../conversations/access.js';
import type { Queryable } from '../db/database.js';
import type { Member } from '../domain/actor.js';
import { forbidden, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { readableReport, readsAllReports } from '../reports/access.js';
import { announceReport } from '../reports/notify.js';
import { readSealedFile, removeSealedFiles } from './sealed-files.js';
import * as store from './store.js';

/**
 * The one attachment service, for every owner of a sealed file (a report, a conversation
 * message): opening a file for a member under its owner's read rule, removing attachments with
 * their files (deletion, retention, abandoned uploads), and what the reports module asks of
 * them. A report's upload is upload.ts; a conversation media's fetch from its provider is
 * conversations/media.ts.
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

// ---------------------------------------------------------------------------------------------
// Removal: the one way attachments leave

/** Deletes the selected attachments' rows and wraps in the caller's transaction; how many went. */
export type RemoveAttachments = (selection: store.AttachmentSelection) => Promise<number>;

/**
 * The one way attachments leave, whoever owns them: runs `work` in one transaction with
 * `remove`, which deletes the selected attachments' rows and key wraps there; once that
 * transaction commits, every file they named (partial or complete) is deleted from disk. Files
 * go after the commit, so a rolled-back deletion never leaves rows naming missing files. A report
 * deleted or past retention, a conversation past retention, a cancelled upload and the sweep of
 * abandoned ones all come through here. A file that cannot be deleted is logged, not thrown:
 * the transaction has committed.
 */
export async function removingAttachments<T>(
  ctx: ServerContext,
  work: (tx: Queryable, remove: RemoveAttachments) => Promise<T>,
): Promise<T> {
  let files: store.RemovedFiles = { partialIds: [], blobIds: [] };
  const result = await ctx.db.transaction(async (tx) => {
    files = { partialIds: [], blobIds: [] };
    return work(tx, async (selection) => {
      const removed = await store.deleteAttachments(tx, selection);
      files.partialIds.push(...removed.partialIds);
      files.blobIds.push(...removed.blobIds);
      return removed.count;
    });
  });
  try {
    await removeSealedFiles(ctx, files);
  } catch (error) {
    // The rows are gone for good: the caller's change stands, so this is not its error. The
    // files left are ciphertext no row names; the log says which, for the operator.
    ctx.log.error(
      { err: { name: (error as Error)?.name, code: (error as { code?: string })?.code }, ...files },
      'attachment files not removed from the blob store',
    );
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Download and deletion

/**
 * Which attachment a download asks for, as its URL names it: a report's by its id
 * (`GET /api/attachments/:id/content`), a conversation's media under its conversation
 * (`GET /api/conversations/:id/media/:mediaId`). Each URL serves its own owner kind only.
 */
export type AttachmentRequest =
  | { kind: 'report'; id: string }
  | { kind: 'conversation-message'; conversationId: string; id: string };

/**
 * A complete attachment's sealed file, for a caller its owner's read rule lets see it: a
 * report's author or a report admin; a conversation's assignee, a conversation admin, or someone
 * on shift who may claim it while it waits. The owner's own rule, never a copy of it; anyone
 * else, and any id not of the URL's owner, gets 404 (ids cannot be probed). Only a complete file
 * is served (a partial upload or a fetch still running has no route). A report's download is
 * audited.
 */
export async function openAttachment(
  ctx: ServerContext,
  caller: AttachmentCaller,
  request: AttachmentRequest,
): Promise<{ size: number; stream: ReadableStream<Uint8Array> }> {
  switch (request.kind) {
    case 'report': {
      const a = await store.readAttachmentFile(ctx.db, request.id);
      if (a?.ownerKind !== 'report') throw notFound('no such attachment');
      await readableReport(ctx.db, caller, a.reportId);
      if (a.state !== 'complete' || !a.blobId) throw notFound('this attachment is not uploaded yet');
      const file = await readSealedFile(ctx, a.blobId);
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
    case 'conversation-message': {
      // The conversation first: one the caller may not see answers 404 whatever its files.
      await visibleConversation(ctx, caller, request.conversationId);
      const a = await store.readAttachmentFile(ctx.db, request.id);
      if (
        a?.ownerKind !== 'conversation-message' ||
        a.conversationId !== request.conversationId ||
        a.state !== 'complete' ||
        !a.blobId
      )
        throw notFound('no such stored attachment');
      return readSealedFile(ctx, a.blobId);
    }
  }
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
  const reportId = await removingAttachments(ctx, async (tx, remove) => {
    const a = await store.readAttachment(tx, id, true);
    if (!a) throw notFound('no such attachment');
    await readableReport(tx, caller, a.reportId);
    const admin = readsAllReports(caller);
    if (!admin) {
      if (a.uploaderId !== caller.userId) throw notFound('no such attachment');
      if (!hasPermission(caller.permissions, 'reports:write')) throw forbidden();
      if (a.state === 'complete') throw forbidden('a finished attachment is removed by a report admin');
    }
    await remove({ ids: [a.id] });
    await audit(tx, caller, 'reports.attachment-deleted', now, `report:${a.reportId}`, {
      attachmentId: a.id,
      state: a.state,
    });
    return a.reportId;
  });
  await announceReport(ctx, 'report:updated', reportId);
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
    const count = await removingAttachments(ctx, async (tx, remove) => {
      // Locked and re-checked in one statement each, so a chunk arriving now is not lost under it.
      const ids = [
        ...(await store.staleUploads(tx, before, batch)),
        ...(await store.oldFailedUploads(tx, before, batch)),
      ];
      return remove({ ids });
    });
    if (!count) break;
    removed += count;
  }
  const old = (await ctx.blobs.partials()).filter((p) => p.modifiedAt < before).map((p) => p.id);
  const named = await store.namedPartials(ctx.db, old);
  for (const id of old) if (!named.has(id)) await ctx.blobs.removePartial(id);
  return removed;
}
