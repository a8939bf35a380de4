import type {
  GrantResult,
  GrantStatus,
  ReportGrantBody,
  ReportGrantItem,
  ReportGrantWork,
} from '@llamenos/protocol';
import { hasPermission } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { Member } from '../domain/actor.js';
import { invalid } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { lookupActiveUser } from '../identity/lookup.js';
import { nextAfter, storeGrantBatch } from '../records/grant-batch.js';
import * as store from './store.js';

/*
 * Granting a new report admin access to existing reports, replies and attachments, as for
 * notes (docs/PROTOCOL.md, "Granting a new reader"): only a reader can unwrap a key, so an
 * admin's browser asks for work (records the new admin has no wrap for, with the caller's own
 * wrap), re-wraps each key for them and posts the wraps back. All of a report's records share
 * report_wraps, so one walk covers them; an attachment's key is wrapped under the attachment
 * purpose, everything else under the report purpose. Work lists only what is still missing,
 * so an interrupted grant resumes by asking again.
 */

async function requireReportAdmin(db: Queryable, reader: string): Promise<void> {
  const user = await lookupActiveUser(db, reader);
  if (!user || !hasPermission(user.permissions, 'reports:read-all'))
    throw invalid('the reader must be an active member holding reports:read-all');
}

const purposeOf = (recordId: string): ReportGrantItem['purpose'] =>
  recordId.startsWith('attachment:') ? 'attachment' : 'report';

export async function reportGrantWork(
  ctx: ServerContext,
  caller: Member,
  q: { reader: string; after?: string | undefined; limit: number },
): Promise<ReportGrantWork> {
  await requireReportAdmin(ctx.db, q.reader);
  const rows = await store.grantWorkRows(ctx.db, caller.pubkey, q.reader, q.after ?? '', q.limit);
  const items = rows.map((r) => ({ recordId: r.recordId, purpose: purposeOf(r.recordId), wrap: r.wrap }));
  return { items, next: nextAfter(items, q.limit, (i) => i.recordId) };
}

/**
 * Stores wraps for the reader. Only records the caller holds a wrap for are accepted (the
 * caller could not have made a real wrap for any other), and an existing wrap is never
 * replaced, so repeating a batch changes nothing.
 */
export async function reportGrantAccess(
  ctx: ServerContext,
  caller: Member,
  body: ReportGrantBody,
): Promise<GrantResult> {
  return storeGrantBatch(ctx, caller, {
    reader: body.reader,
    wraps: body.wraps,
    action: 'reports.access-granted',
    requireReader: (db) => requireReportAdmin(db, body.reader),
    insert: (tx) => store.insertGrantedWraps(tx, body.reader, caller.pubkey, body.wraps),
  });
}

/** Progress for the grant's progress bar. */
export async function reportGrantStatus(
  ctx: ServerContext,
  caller: Member,
  reader: string,
): Promise<GrantStatus> {
  await requireReportAdmin(ctx.db, reader);
  const p = await store.grantProgress(ctx.db, reader, caller.pubkey);
  return { total: p.total, done: p.done, unavailableToCaller: p.unavailable };
}
