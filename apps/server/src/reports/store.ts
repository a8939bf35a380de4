import {
  type ReplyForReader,
  type ReportCounts,
  type ReportForReader,
  type ReportMeta,
  type ReportStatus,
  reportRecordId,
  reportReplyRecordId,
} from '@llamenos/protocol';
import { oneRow, type Queryable } from '../db/database.js';
import { listConditions, type PageWindow } from '../db/newest-first.js';
import { rowStatement } from '../db/row-statement.js';
import { grantInsert, grantWorkQuery } from '../records/grant-statements.js';
import { sealedInsert } from '../records/sealed-insert.js';
import { sealedForReader } from '../records/sealed-row.js';

/*
 * Every statement of the reports module. A report's clear columns are only what the design
 * lets the server know (ids, author, type id, status, assignee, times); its content and each
 * reply are ciphertext, and report_wraps holds one key wrap per record and reader.
 */

/** A `reports` row without its ciphertext. */
export interface ReportRow {
  id: string;
  typeId: string | null;
  authorId: string;
  authorPubkey: string;
  status: ReportStatus;
  assigneeId: string | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

interface RawReport {
  id: string;
  type_id: string | null;
  author_id: string;
  author_pubkey: string;
  status: ReportStatus;
  assignee_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
}

/** A row as lists and reads return it: with the counts and, for a reader, the content and own wrap. */
interface RawReportForReader extends RawReport {
  ciphertext: string;
  wrap: string | null;
  reply_count: number | string;
  attachment_count: number | string;
}

const fromRaw = (r: RawReport): ReportRow => ({
  id: r.id,
  typeId: r.type_id,
  authorId: r.author_id,
  authorPubkey: r.author_pubkey,
  status: r.status,
  assigneeId: r.assignee_id,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  deletedAt: r.deleted_at === null ? null : new Date(r.deleted_at),
});

export const metaOf = (r: ReportRow, counts = { replies: 0, attachments: 0 }): ReportMeta => ({
  id: r.id,
  typeId: r.typeId,
  authorPubkey: r.authorPubkey,
  status: r.status,
  assigneeId: r.assigneeId,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
  replyCount: counts.replies,
  attachmentCount: counts.attachments,
});

const forReader = (r: RawReportForReader, reader: string): ReportForReader => ({
  ...metaOf(fromRaw(r), {
    replies: Number(r.reply_count),
    attachments: Number(r.attachment_count),
  }),
  ciphertext: r.ciphertext,
  wrap: r.wrap === null ? null : { reader, wrap: r.wrap },
});

/*
 * Attachments are counted by their wraps in report_wraps (one record id per attachment), so
 * this module never reads the attachments module's tables. $1 is always the reader.
 */
const SELECT_FOR_READER = `
  select r.*,
    (select count(*) from report_replies p where p.report_id = r.id) as reply_count,
    (select count(distinct a.record_id) from report_wraps a
      where a.report_id = r.id and a.record_id like 'attachment:%') as attachment_count,
    w.wrap
  from reports r
  left join report_wraps w on w.record_id = 'report:' || r.id and w.reader_pubkey = $1`;

/** `for update` locks the row for a change in the same transaction. */
export async function readReport(db: Queryable, id: string, forUpdate = false): Promise<ReportRow | null> {
  return oneRow(
    db,
    `select id, type_id, author_id, author_pubkey, status, assignee_id, created_at, updated_at, deleted_at
     from reports where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
    fromRaw,
  );
}

/** A live report's content with the reader's own wrap (null if none), or null if there is none. */
export const readForReader = rowStatement(
  `${SELECT_FOR_READER} where r.id = $2 and r.deleted_at is null`,
  (id: string, reader: string) => [reader, id],
  (row: RawReportForReader, _id, reader) => forReader(row, reader),
);

/** The content a report was filed with, to recognise a retried create. */
export async function ciphertextOf(db: Queryable, id: string): Promise<string | null> {
  const [row] = await db.query<{ ciphertext: string | null }>(
    'select ciphertext from reports where id = $1',
    [id],
  );
  return row?.ciphertext ?? null;
}

type Wraps = readonly { reader: string; wrap: string }[];

async function insertWraps(db: Queryable, reportId: string, recordId: string, wraps: Wraps): Promise<void> {
  await db.query(
    `insert into report_wraps (report_id, record_id, reader_pubkey, wrap)
     select $1, $2, r, w from unnest($3::text[], $4::text[]) as t(r, w)`,
    [reportId, recordId, wraps.map((w) => w.reader), wraps.map((w) => w.wrap)],
  );
}

/** Inserts a report and its content wraps; false (nothing written) when the id is taken. */
export const insertReport = sealedInsert(
  `insert into reports (id, type_id, author_id, author_pubkey, ciphertext, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing returning id`,
  (r: Omit<ReportRow, 'deletedAt' | 'status' | 'assigneeId'> & { ciphertext: string; wraps: Wraps }) => [
    r.id,
    r.typeId,
    r.authorId,
    r.authorPubkey,
    r.ciphertext,
    r.createdAt,
    r.updatedAt,
  ],
  (db, r) => insertWraps(db, r.id, reportRecordId(r.id), r.wraps),
);

/** Sets the workflow fields given; the row must be locked by the caller. */
export async function updateWorkflow(
  db: Queryable,
  id: string,
  change: { status: ReportStatus; assigneeId: string | null },
  now: Date,
): Promise<void> {
  await db.query('update reports set status = $2, assignee_id = $3, updated_at = $4 where id = $1', [
    id,
    change.status,
    change.assigneeId,
    now,
  ]);
}

export async function touchReport(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query('update reports set updated_at = $2 where id = $1', [id, now]);
}

export interface ReportFilter extends PageWindow {
  /** Only this author's reports (a caller without reports:read-all, or scope `mine`). */
  authorId?: string;
  authorPubkey?: string;
  status?: ReportStatus;
  typeId?: string;
  assigneeId?: string;
}

/** Live reports, newest first, with the reader's own wrap. */
export async function listForReader(
  db: Queryable,
  f: ReportFilter,
  reader: string,
): Promise<ReportForReader[]> {
  const { params, where, add, window } = listConditions([reader], ['r.deleted_at is null']);
  if (f.authorId) add((p) => `r.author_id = ${p(f.authorId)}`);
  if (f.authorPubkey) add((p) => `r.author_pubkey = ${p(f.authorPubkey)}`);
  if (f.status) add((p) => `r.status = ${p(f.status)}`);
  if (f.typeId) add((p) => `r.type_id = ${p(f.typeId)}`);
  if (f.assigneeId) add((p) => `r.assignee_id = ${p(f.assigneeId)}`);
  const limit = window('r', f);
  const rows = await db.query<RawReportForReader>(
    `${SELECT_FOR_READER}
     where ${where.join(' and ')}
     order by r.created_at desc, r.id desc
     limit ${limit}`,
    params,
  );
  return rows.map((r) => forReader(r, reader));
}

/** Live reports by type and status. */
export async function countLive(db: Queryable): Promise<ReportCounts['counts']> {
  const rows = await db.query<{ type_id: string | null; status: ReportStatus; count: number | string }>(
    `select type_id, status, count(*) as count from reports where deleted_at is null
     group by type_id, status order by type_id nulls first, status`,
  );
  return rows.map((r) => ({ typeId: r.type_id, status: r.status, count: Number(r.count) }));
}

export async function countLiveUpTo(db: Queryable, upTo: Date): Promise<number> {
  const [row] = await db.query<{ n: number | string }>(
    'select count(*) as n from reports where deleted_at is null and created_at <= $1',
    [upTo],
  );
  return Number(row?.n ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Replies

interface RawReply {
  id: string;
  report_id: string;
  author_id: string;
  author_pubkey: string;
  ciphertext: string;
  created_at: Date | string;
  wrap: string | null;
}

const replyForReader = (r: RawReply, reader: string): ReplyForReader => ({
  id: r.id,
  reportId: r.report_id,
  ...sealedForReader(r, reader),
});

/** A report's thread, oldest first, with the reader's own wraps. */
export async function listReplies(
  db: Queryable,
  reportId: string,
  reader: string,
): Promise<ReplyForReader[]> {
  const rows = await db.query<RawReply>(
    `select p.*, w.wrap from report_replies p
     left join report_wraps w on w.record_id = 'report-reply:' || p.id and w.reader_pubkey = $2
     where p.report_id = $1
     order by p.created_at, p.id`,
    [reportId, reader],
  );
  return rows.map((r) => replyForReader(r, reader));
}

/** The replies of several reports (an export page), by report id. */
export async function listRepliesOf(
  db: Queryable,
  reportIds: readonly string[],
  reader: string,
): Promise<Map<string, ReplyForReader[]>> {
  const rows = await db.query<RawReply>(
    `select p.*, w.wrap from report_replies p
     left join report_wraps w on w.record_id = 'report-reply:' || p.id and w.reader_pubkey = $2
     where p.report_id = any($1::text[])
     order by p.created_at, p.id`,
    [reportIds, reader],
  );
  const byReport = new Map<string, ReplyForReader[]>();
  for (const row of rows) {
    const list = byReport.get(row.report_id) ?? [];
    list.push(replyForReader(row, reader));
    byReport.set(row.report_id, list);
  }
  return byReport;
}

/** A reply as stored (without wraps), to recognise a retried post; null when the id is free. */
export async function readReply(
  db: Queryable,
  id: string,
): Promise<{ reportId: string; authorId: string; ciphertext: string; createdAt: Date } | null> {
  return oneRow(db, 'select *, null as wrap from report_replies where id = $1', [id], (row: RawReply) => ({
    reportId: row.report_id,
    authorId: row.author_id,
    ciphertext: row.ciphertext,
    createdAt: new Date(row.created_at),
  }));
}

/** Inserts a reply and its wraps; false (nothing written) when the id is taken. */
export const insertReply = sealedInsert(
  `insert into report_replies (id, report_id, author_id, author_pubkey, ciphertext, created_at)
     values ($1, $2, $3, $4, $5, $6) on conflict (id) do nothing returning id`,
  (r: {
    id: string;
    reportId: string;
    authorId: string;
    authorPubkey: string;
    ciphertext: string;
    createdAt: Date;
    wraps: Wraps;
  }) => [r.id, r.reportId, r.authorId, r.authorPubkey, r.ciphertext, r.createdAt],
  (db, r) => insertWraps(db, r.reportId, reportReplyRecordId(r.id), r.wraps),
);

// ---------------------------------------------------------------------------------------------
// Deletion and retention

/**
 * Tombstones a report: its content, replies and every wrap (attachments' too) are gone; the
 * row stays so the id is never reused and audit entries still name something. Returns the
 * numbers removed, for the audit entry.
 */
export async function tombstone(db: Queryable, id: string, now: Date): Promise<{ replies: number }> {
  const replies = await db.query('delete from report_replies where report_id = $1 returning id', [id]);
  await db.query('delete from report_wraps where report_id = $1', [id]);
  await db.query('update reports set ciphertext = null, deleted_at = $2, updated_at = $2 where id = $1', [
    id,
    now,
  ]);
  return { replies: replies.length };
}

/** Ids of reports (live or tombstoned) created before `cutoff`. */
export async function expiredReportIds(db: Queryable, cutoff: Date): Promise<string[]> {
  const rows = await db.query<{ id: string }>('select id from reports where created_at < $1 order by id', [
    cutoff,
  ]);
  return rows.map((r) => r.id);
}

/** Deletes these report rows (replies and wraps by cascade); says how many were live and tombstones. */
export async function deleteReports(
  db: Queryable,
  ids: readonly string[],
): Promise<{ live: number; tombstones: number }> {
  const rows = await db.query<{ deleted_at: Date | null }>(
    'delete from reports where id = any($1::text[]) returning deleted_at',
    [ids],
  );
  const live = rows.filter((r) => r.deleted_at === null).length;
  return { live, tombstones: rows.length - live };
}

// ---------------------------------------------------------------------------------------------
// Granting a new report admin

/** Records the caller holds a wrap for and `reader` does not, in record-id order after `after`. */
export const grantWorkRows = grantWorkQuery(
  `select mine.record_id, mine.wrap
     from report_wraps mine
     where mine.reader_pubkey = $1
       and mine.record_id > $3
       and not exists (
         select 1 from report_wraps t where t.record_id = mine.record_id and t.reader_pubkey = $2)
     order by mine.record_id
     limit $4`,
  (r: { record_id: string; wrap: string }) => ({ recordId: r.record_id, wrap: r.wrap }),
);

/**
 * Stores wraps for `reader` of records `caller` holds a wrap for; never replaces one.
 * Returns how many were eligible (the caller holds a wrap) and how many were new.
 */
export const insertGrantedWraps = grantInsert<{ recordId: string; wrap: string }>(
  {
    input: 'select * from unnest($3::text[], $4::text[]) as t(record_id, wrap)',
    eligible: `select mine.report_id, i.record_id, i.wrap from input i
       join report_wraps mine on mine.record_id = i.record_id and mine.reader_pubkey = $2`,
    insert: `insert into report_wraps (report_id, record_id, reader_pubkey, wrap)
       select report_id, record_id, $1, wrap from eligible`,
  },
  ['recordId', 'wrap'],
);

/** Progress of a grant: records in all, wrapped for `reader`, and missing for both reader and caller. */
export async function grantProgress(
  db: Queryable,
  reader: string,
  caller: string,
): Promise<{ total: number; done: number; unavailable: number }> {
  const [row] = await db.query<{
    total: number | string;
    done: number | string;
    unavailable: number | string;
  }>(
    `select
       (select count(distinct record_id) from report_wraps) as total,
       (select count(*) from report_wraps where reader_pubkey = $1) as done,
       (select count(distinct w.record_id) from report_wraps w
         where not exists (select 1 from report_wraps t where t.record_id = w.record_id and t.reader_pubkey = $1)
           and not exists (select 1 from report_wraps t where t.record_id = w.record_id and t.reader_pubkey = $2)
       ) as unavailable`,
    [reader, caller],
  );
  return {
    total: Number(row?.total ?? 0),
    done: Number(row?.done ?? 0),
    unavailable: Number(row?.unavailable ?? 0),
  };
}
