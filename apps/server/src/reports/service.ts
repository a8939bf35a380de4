import type {
  CreateReplyBody,
  CreateReportBody,
  ReplyForReader,
  ReportCounts,
  ReportDetail,
  ReportListQuery,
  ReportMeta,
  ReportPage,
  UpdateReportBody,
} from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import { pageOf, pageRequest } from '../db/newest-first.js';
import type { Member } from '../domain/actor.js';
import { conflict, forbidden, invalid, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { authorScope } from '../records/author-scope.js';
import { activeUsersHolding, checkReaders } from '../records/envelope.js';
import { sealedWrite } from '../records/sealed-write.js';
import { loadSettings } from '../settings/store.js';
import { readableReport, readsAllReports, reportReaders } from './access.js';
import { listAttachmentViews, removingAttachments } from './attachment-link.js';
import { announceReport } from './notify.js';
import * as store from './store.js';

/*
 * Reports and their reply threads. The server stores sealed envelopes it cannot open; what it
 * decides is who may file, read, reply and change the workflow, and that every new record is
 * sealed for exactly the report's author and the current report admins.
 */

const READERS = { record: 'report', readersRoute: '/api/reports/readers' };
const REPLY_READERS = { record: 'reply', readersRoute: '/api/reports/:id/readers' };

/** A new report must name a type the admins offer now (or none); archived types take no new reports. */
/**
 * The hotline takes reports at all (settings.channels.reports) and, when a type is named, under
 * a type it still offers. Reports already filed stay open whatever these settings become.
 */
async function checkTypeOffered(db: Queryable, typeId: string | null): Promise<void> {
  const { settings } = await loadSettings(db);
  if (!settings.channels.reports)
    throw forbidden('this hotline does not take reports now; an admin can turn reports on in the settings');
  if (typeId === null) return;
  const type = settings.reports.types.find((t) => t.id === typeId);
  if (!type) throw invalid(`there is no report type "${typeId}"; reload the list of report types`);
  if (type.archived) throw invalid(`the report type "${typeId}" is archived and takes no new reports`);
}

/** Who new content of a report must be sealed for; the caller must be able to see the report. */
export async function readersOfReport(ctx: ServerContext, caller: Member, id: string): Promise<string[]> {
  const report = await readableReport(ctx.db, caller, id);
  return reportReaders(ctx.db, report.authorPubkey);
}

/**
 * Files a report, sealed for the caller and every current report admin. A retry of the very
 * same request (same author, same ciphertext) answers like the first instead of 409, so a
 * client that lost the response can safely send again.
 */
export async function createReport(
  ctx: ServerContext,
  caller: Member,
  body: CreateReportBody,
): Promise<{ report: ReportMeta; created: boolean }> {
  const result = await sealedWrite(ctx, body.envelope, async (tx, now) => {
    const existing = await store.readReport(tx, body.id);
    if (existing) {
      if (
        !existing.deletedAt &&
        existing.authorId === caller.userId &&
        (await store.ciphertextOf(tx, body.id)) === body.envelope.ciphertext
      )
        return { report: store.metaOf(existing), created: false };
      throw conflict('a report with this id already exists; choose a new id and seal again');
    }
    await checkTypeOffered(tx, body.typeId);
    checkReaders(body.envelope, await reportReaders(tx, caller.pubkey), READERS);
    const row = {
      id: body.id,
      typeId: body.typeId,
      authorId: caller.userId,
      authorPubkey: caller.pubkey,
      createdAt: now,
      updatedAt: now,
    };
    if (
      !(await store.insertReport(tx, {
        ...row,
        ciphertext: body.envelope.ciphertext,
        wraps: body.envelope.wraps,
      }))
    )
      throw conflict('a report with this id already exists; choose a new id and seal again');
    await auditActionInTx(tx, caller, now, {
      action: 'reports.created',
      target: `report:${body.id}`,
      details: { typeId: body.typeId, readers: body.envelope.wraps.length },
    });
    return {
      report: store.metaOf({ ...row, status: 'new', assigneeId: null, deletedAt: null }),
      created: true,
    };
  });
  if (result.created) await announceReport(ctx, 'report:new', body.id);
  return result;
}

/** Reporters see their own reports; report admins see everyone's (or only theirs with scope `mine`). */
export async function listReports(
  ctx: ServerContext,
  caller: Member,
  q: ReportListQuery,
): Promise<ReportPage> {
  const all = readsAllReports(caller);
  const authors = authorScope(caller, q.authorPubkey, {
    readsAll: all,
    everyone: all && q.scope === 'all',
    refusal: "filtering by another member's reports needs reports:read-all",
  });
  const reports = await store.listForReader(
    ctx.db,
    {
      ...authors,
      ...(q.status ? { status: q.status } : {}),
      ...(q.typeId ? { typeId: q.typeId } : {}),
      ...(q.assigneeId ? { assigneeId: q.assigneeId } : {}),
      ...pageRequest(q),
    },
    caller.pubkey,
  );
  const { page, nextCursor } = pageOf(reports, q.limit);
  return { reports: page, nextCursor };
}

export async function countReports(ctx: ServerContext): Promise<ReportCounts> {
  return { counts: await store.countLive(ctx.db) };
}

/** A report with its thread and attachments, each with the caller's own wrap. */
export async function getReport(ctx: ServerContext, caller: Member, id: string): Promise<ReportDetail> {
  await readableReport(ctx.db, caller, id);
  const report = await store.readForReader(ctx.db, id, caller.pubkey);
  if (!report) throw notFound('no such report');
  return {
    report,
    replies: await store.listReplies(ctx.db, id, caller.pubkey),
    attachments: await listAttachmentViews(ctx.db, id, caller.pubkey),
  };
}

/**
 * The workflow an admin sets: status (any of new, in review, closed, in any order, so a closed
 * report can be reopened) and the admin it is assigned to. Each change is audited with its
 * before and after; setting what is already set changes and records nothing.
 */
export async function updateReport(
  ctx: ServerContext,
  caller: Member,
  id: string,
  body: UpdateReportBody,
): Promise<ReportMeta> {
  const now = ctx.now();
  const { meta, changed } = await ctx.db.transaction(async (tx) => {
    await readableReport(tx, caller, id, true);
    const before = await store.readReport(tx, id);
    if (!before) throw notFound('no such report');
    if (body.assigneeId) {
      const admins = await activeUsersHolding(tx, 'reports:read-all');
      if (!admins.some((a) => a.id === body.assigneeId))
        throw invalid('a report can be assigned only to an active member holding reports:read-all');
    }
    const after = {
      status: body.status ?? before.status,
      assigneeId: body.assigneeId === undefined ? before.assigneeId : body.assigneeId,
    };
    const statusChanged = after.status !== before.status;
    const assigneeChanged = after.assigneeId !== before.assigneeId;
    const changed = statusChanged || assigneeChanged;
    if (changed) await store.updateWorkflow(tx, id, after, now);
    if (statusChanged)
      await auditActionInTx(tx, caller, now, {
        action: 'reports.status-changed',
        target: `report:${id}`,
        details: { before: before.status, after: after.status },
      });
    if (assigneeChanged)
      await auditActionInTx(tx, caller, now, {
        action: 'reports.assigned',
        target: `report:${id}`,
        details: { before: before.assigneeId, after: after.assigneeId },
      });
    const current = await store.readForReader(tx, id, caller.pubkey);
    if (!current) throw notFound('no such report');
    const { ciphertext: _c, wrap: _w, ...meta } = current;
    return { meta, changed };
  });
  if (changed) await announceReport(ctx, 'report:updated', id);
  return meta;
}

/**
 * Adds a reply to a report's thread, by its author or a report admin, sealed for the author and
 * every current report admin. A closed report still takes replies from both: a reporter may
 * have more to say after an admin closed it, and the admins decide whether to reopen it (the
 * status stays as it is). A retry of the same reply answers like the first.
 */
export async function replyToReport(
  ctx: ServerContext,
  caller: Member,
  reportId: string,
  body: CreateReplyBody,
): Promise<{ reply: Omit<ReplyForReader, 'ciphertext' | 'wrap'>; created: boolean }> {
  const result = await sealedWrite(ctx, body.envelope, async (tx, now) => {
    const report = await readableReport(tx, caller, reportId, true);
    const existing = await store.readReply(tx, body.id);
    if (existing) {
      if (
        existing.reportId === reportId &&
        existing.authorId === caller.userId &&
        existing.ciphertext === body.envelope.ciphertext
      )
        return {
          reply: {
            id: body.id,
            reportId,
            authorPubkey: caller.pubkey,
            createdAt: existing.createdAt.toISOString(),
          },
          created: false,
        };
      throw conflict('a reply with this id already exists; choose a new id and seal again');
    }
    checkReaders(body.envelope, await reportReaders(tx, report.authorPubkey), REPLY_READERS);
    const inserted = await store.insertReply(tx, {
      id: body.id,
      reportId,
      authorId: caller.userId,
      authorPubkey: caller.pubkey,
      ciphertext: body.envelope.ciphertext,
      createdAt: now,
      wraps: body.envelope.wraps,
    });
    if (!inserted) throw conflict('a reply with this id already exists; choose a new id and seal again');
    await store.touchReport(tx, reportId, now);
    await auditActionInTx(tx, caller, now, {
      action: 'reports.replied',
      target: `report:${reportId}`,
      details: {
        replyId: body.id,
        readers: body.envelope.wraps.length,
        byAuthor: report.authorId === caller.userId,
      },
    });
    return {
      reply: { id: body.id, reportId, authorPubkey: caller.pubkey, createdAt: now.toISOString() },
      created: true,
    };
  });
  if (result.created) await announceReport(ctx, 'report:reply', reportId);
  return result;
}

/**
 * Deletes a report's content for good, keeping a tombstone: the sealed report, its replies,
 * every wrap, and its attachments' rows and wraps, with the audit entry, in one transaction
 * (nothing readable remains once it commits); the attachments' blob files are deleted right
 * after it commits (removingAttachments), a blob store being no part of the transaction.
 */
export async function deleteReport(ctx: ServerContext, caller: Member, id: string): Promise<void> {
  const now = ctx.now();
  await removingAttachments(ctx, async (tx, removeAttachments) => {
    const report = await readableReport(tx, caller, id, true);
    const removed = await store.tombstone(tx, id, now);
    await removeAttachments({ reportIds: [id] });
    await auditActionInTx(tx, caller, now, {
      action: 'reports.deleted',
      target: `report:${id}`,
      details: { authorPubkey: report.authorPubkey, replies: removed.replies },
    });
  });
  await announceReport(ctx, 'report:updated', id);
}
