import { hasPermission } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { Member } from '../domain/actor.js';
import { gone, notFound } from '../domain/errors.js';
import { activeUsersHolding } from '../records/envelope.js';

/**
 * Who may see a report: its author, and every holder of reports:read-all (the report admins).
 * Anything else reads as "not found", so one reporter cannot probe for another's report ids.
 * The attachments module asks the same questions through this file.
 */

export const readsAllReports = (caller: Member) => hasPermission(caller.permissions, 'reports:read-all');

/** A report as access decisions need it. */
export interface ReportAccessRow {
  id: string;
  authorId: string;
  authorPubkey: string;
  deletedAt: Date | null;
}

/** The report if the caller may see it (live, not deleted); not-found or gone otherwise. */
export async function readableReport(
  db: Queryable,
  caller: Member,
  reportId: string,
  lock = false,
): Promise<ReportAccessRow> {
  const [row] = await db.query<{
    id: string;
    author_id: string;
    author_pubkey: string;
    deleted_at: Date | null;
  }>(
    `select id, author_id, author_pubkey, deleted_at from reports where id = $1${lock ? ' for update' : ''}`,
    [reportId],
  );
  if (!row || !(readsAllReports(caller) || row.author_id === caller.userId)) throw notFound('no such report');
  if (row.deleted_at) throw gone('this report was deleted');
  return { id: row.id, authorId: row.author_id, authorPubkey: row.author_pubkey, deletedAt: null };
}

/** The current report admins: active members whose roles grant reports:read-all, by pubkey. */
export async function currentReportAdmins(db: Queryable): Promise<string[]> {
  return (await activeUsersHolding(db, 'reports:read-all')).map((u) => u.pubkey);
}

/** Everyone new content of a report by `authorPubkey` must be sealed for: the author, then every report admin. */
export async function reportReaders(db: Queryable, authorPubkey: string): Promise<string[]> {
  return [...new Set([authorPubkey, ...(await currentReportAdmins(db))])];
}
