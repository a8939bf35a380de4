import { type AttachmentState, type AttachmentView, attachmentRecordId } from '@llamenos/protocol';
import { oneRow, type Queryable } from '../db/database.js';

/**
 * The attachments module's SQL for reports' attachments (owner kind `report`): its own table, and
 * the attachment rows of the reports module's `report_wraps` (record id `attachment:<id>`), which
 * this module writes and deletes. A conversation message's media (same table, owner kind
 * `conversation-message`) has its own statements in media-store.ts; what both share (which file
 * an attachment names, removing attachments with their wraps) is at the end of this file.
 */

export interface AttachmentRow {
  id: string;
  reportId: string;
  uploaderId: string;
  uploaderPubkey: string;
  state: AttachmentState;
  header: string;
  chunkLog2: number;
  chunkCount: number;
  received: number;
  bytesReceived: number;
  lastChunkSha256: string | null;
  /** SHA-256 (hex) of sealed chunk 0 as declared when the upload was opened; null if none was. */
  firstChunkSha256: string | null;
  partialId: string | null;
  blobId: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

interface DbRow {
  id: string;
  report_id: string;
  uploader_id: string;
  uploader_pubkey: string;
  state: AttachmentState;
  header: string;
  chunk_log2: number;
  chunk_count: number | string;
  received: number | string;
  bytes_received: number | string;
  last_chunk_sha256: string | null;
  first_chunk_sha256: string | null;
  partial_id: string | null;
  blob_id: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

const COLUMNS = `id, report_id, uploader_id, uploader_pubkey, state, header, chunk_log2, chunk_count,
  received, bytes_received, last_chunk_sha256, first_chunk_sha256, partial_id, blob_id, created_at, updated_at, completed_at`;

const rowOf = (r: DbRow): AttachmentRow => ({
  id: r.id,
  reportId: r.report_id,
  uploaderId: r.uploader_id,
  uploaderPubkey: r.uploader_pubkey,
  state: r.state,
  header: r.header,
  chunkLog2: Number(r.chunk_log2),
  chunkCount: Number(r.chunk_count),
  received: Number(r.received),
  bytesReceived: Number(r.bytes_received),
  lastChunkSha256: r.last_chunk_sha256,
  firstChunkSha256: r.first_chunk_sha256,
  partialId: r.partial_id,
  blobId: r.blob_id,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  completedAt: r.completed_at ? new Date(r.completed_at) : null,
});

/** The padded size the server can infer from the stream's shape (§10.2): a bucket, not the file's size. */
export const sizeBucketOf = (a: Pick<AttachmentRow, 'chunkCount' | 'chunkLog2'>): number =>
  a.chunkCount * 2 ** a.chunkLog2;

export function viewOf(a: AttachmentRow, wrap: { reader: string; wrap: string } | null): AttachmentView {
  return {
    id: a.id,
    reportId: a.reportId,
    uploaderPubkey: a.uploaderPubkey,
    state: a.state,
    chunkLog2: a.chunkLog2,
    chunkCount: a.chunkCount,
    received: a.received,
    sizeBucket: sizeBucketOf(a),
    createdAt: a.createdAt.toISOString(),
    completedAt: a.completedAt?.toISOString() ?? null,
    wrap,
  };
}

export async function readAttachment(db: Queryable, id: string, lock = false): Promise<AttachmentRow | null> {
  return oneRow(
    db,
    `select ${COLUMNS} from attachments where id = $1 and owner_kind = 'report'${lock ? ' for update' : ''}`,
    [id],
    rowOf,
  );
}

export async function attachmentsOfReport(db: Queryable, reportId: string): Promise<AttachmentRow[]> {
  const rows = await db.query<DbRow>(
    `select ${COLUMNS} from attachments where report_id = $1 order by created_at, id`,
    [reportId],
  );
  return rows.map(rowOf);
}

/** The caller's wraps of every attachment of a report, by attachment id. */
export async function wrapsOfReportFor(
  db: Queryable,
  reportId: string,
  readerPubkey: string,
): Promise<Map<string, string>> {
  const rows = await db.query<{ record_id: string; wrap: string }>(
    `select record_id, wrap from report_wraps
      where report_id = $1 and reader_pubkey = $2 and record_id like 'attachment:%'`,
    [reportId, readerPubkey],
  );
  return new Map(rows.map((r) => [r.record_id.slice('attachment:'.length), r.wrap]));
}

/** The padded bytes a report's live uploads (not failed) take, and how many there are; `except` left out. */
export async function reportUsage(
  db: Queryable,
  reportId: string,
  except: string,
): Promise<{ bytes: number; files: number }> {
  const [row] = await db.query<{ bytes: number | string | null; files: number | string }>(
    `select sum(chunk_count * (1::bigint << chunk_log2)) as bytes, count(*) as files
       from attachments where report_id = $1 and state <> 'failed' and id <> $2`,
    [reportId, except],
  );
  return { bytes: Number(row?.bytes ?? 0), files: Number(row?.files ?? 0) };
}

/** Inserts a new upload with its wraps; false when the id is taken (the caller decides what a retry means). */
export async function insertAttachment(
  db: Queryable,
  a: Omit<AttachmentRow, 'received' | 'bytesReceived' | 'lastChunkSha256' | 'blobId' | 'completedAt'>,
  wraps: readonly { reader: string; wrap: string }[],
): Promise<boolean> {
  const inserted = await db.query(
    `insert into attachments (id, owner_kind, report_id, uploader_id, uploader_pubkey, state, header,
       chunk_log2, chunk_count, partial_id, created_at, updated_at, first_chunk_sha256)
     values ($1, 'report', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     on conflict (id) do nothing returning id`,
    [
      a.id,
      a.reportId,
      a.uploaderId,
      a.uploaderPubkey,
      a.state,
      a.header,
      a.chunkLog2,
      a.chunkCount,
      a.partialId,
      a.createdAt,
      a.updatedAt,
      a.firstChunkSha256,
    ],
  );
  if (!inserted.length) return false;
  const recordId = attachmentRecordId(a.id);
  for (const w of wraps)
    await db.query(
      'insert into report_wraps (report_id, record_id, reader_pubkey, wrap) values ($1, $2, $3, $4)',
      [a.reportId, recordId, w.reader, w.wrap],
    );
  return true;
}

/**
 * Records chunk `index` as received, only if nothing else recorded it first (received = index):
 * false means another request won, and the caller's bytes beyond the recorded length are cut.
 */
export async function recordChunk(
  db: Queryable,
  id: string,
  index: number,
  chunkBytes: number,
  sha256: string,
  now: Date,
): Promise<boolean> {
  const rows = await db.query(
    `update attachments
        set received = received + 1, bytes_received = bytes_received + $3, last_chunk_sha256 = $4,
            updated_at = $5
      where id = $1 and received = $2 and state = 'uploading' and owner_kind = 'report'
      returning id`,
    [id, index, chunkBytes, sha256, now],
  );
  return rows.length === 1;
}

/** Marks an upload complete with the blob its partial file became. */
export async function markComplete(db: Queryable, id: string, blobId: string, now: Date): Promise<boolean> {
  const rows = await db.query(
    `update attachments
        set state = 'complete', blob_id = $2, partial_id = null, completed_at = $3, updated_at = $3
      where id = $1 and state = 'uploading' and received = chunk_count and owner_kind = 'report'
      returning id`,
    [id, blobId, now],
  );
  return rows.length === 1;
}

/** Marks an upload failed (over a limit, its partial file lost); its partial file is the caller's to delete. */
export async function markFailed(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query(
    `update attachments set state = 'failed', partial_id = null, updated_at = $2
      where id = $1 and state = 'uploading' and owner_kind = 'report'`,
    [id, now],
  );
}

/**
 * Report uploads still open and untouched since `before` (abandoned). A conversation's media
 * waiting for its provider is not an upload: its own backoff (conversations/media.ts) decides.
 */
export const staleUploads = (db: Queryable, before: Date, limit: number): Promise<string[]> =>
  reportUploadsUntouchedSince(db, 'uploading', before, limit);

/**
 * Report uploads that failed (their files are already gone) and are older than `before`. A
 * conversation's failed media stays: its row is the trace of a file the provider never gave.
 */
export const oldFailedUploads = (db: Queryable, before: Date, limit: number): Promise<string[]> =>
  reportUploadsUntouchedSince(db, 'failed', before, limit);

/** Up to `limit` report uploads in `state` untouched since `before`, oldest first, locked for the sweep. */
async function reportUploadsUntouchedSince(
  db: Queryable,
  state: 'uploading' | 'failed',
  before: Date,
  limit: number,
): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `select id from attachments where state = $3 and owner_kind = 'report' and updated_at < $1
      order by updated_at limit $2 for update`,
    [before, limit, state],
  );
  return rows.map((r) => r.id);
}

/** Which of these partial file ids an upload still names. */
export async function namedPartials(db: Queryable, partialIds: readonly string[]): Promise<Set<string>> {
  if (!partialIds.length) return new Set();
  const rows = await db.query<{ partial_id: string }>(
    'select partial_id from attachments where partial_id = any($1::text[])',
    [partialIds],
  );
  return new Set(rows.map((r) => r.partial_id));
}

// ---------------------------------------------------------------------------------------------
// Every owner kind

/** Whose an attachment is, and the file it names (null until complete). */
export type AttachmentFileRow =
  | { id: string; ownerKind: 'report'; reportId: string; state: AttachmentState; blobId: string | null }
  | {
      id: string;
      ownerKind: 'conversation-message';
      conversationId: string;
      state: AttachmentState;
      blobId: string | null;
    };

export async function readAttachmentFile(db: Queryable, id: string): Promise<AttachmentFileRow | null> {
  const [row] = await db.query<{
    id: string;
    owner_kind: 'report' | 'conversation-message';
    report_id: string | null;
    conversation_id: string | null;
    state: AttachmentState;
    blob_id: string | null;
  }>('select id, owner_kind, report_id, conversation_id, state, blob_id from attachments where id = $1', [
    id,
  ]);
  if (!row) return null;
  const common = { id: row.id, state: row.state, blobId: row.blob_id };
  return row.owner_kind === 'report'
    ? { ...common, ownerKind: 'report', reportId: row.report_id as string }
    : { ...common, ownerKind: 'conversation-message', conversationId: row.conversation_id as string };
}

/** Which attachments to delete: these ids, or every one of these owners. */
export type AttachmentSelection =
  | { ids: readonly string[] }
  | { reportIds: readonly string[] }
  | { conversationIds: readonly string[] };

/** The files deleted rows named, for removal from disk once the deletion has committed. */
export interface RemovedFiles {
  partialIds: string[];
  blobIds: string[];
}

/**
 * Deletes the selected attachments with their key wraps (a report's in `report_wraps`, a
 * conversation's in `conversation_wraps`, both under record id `attachment:<id>`); returns how
 * many rows went and the files they held. Rows are locked by the delete itself.
 */
export async function deleteAttachments(
  tx: Queryable,
  selection: AttachmentSelection,
): Promise<RemovedFiles & { count: number }> {
  const [where, param] =
    'ids' in selection
      ? ['id = any($1::text[])', selection.ids]
      : 'reportIds' in selection
        ? ["owner_kind = 'report' and report_id = any($1::text[])", selection.reportIds]
        : [
            "owner_kind = 'conversation-message' and conversation_id = any($1::text[])",
            selection.conversationIds,
          ];
  if (!param.length) return { count: 0, partialIds: [], blobIds: [] };
  const rows = await tx.query<{
    id: string;
    owner_kind: string;
    partial_id: string | null;
    blob_id: string | null;
  }>(`delete from attachments where ${where} returning id, owner_kind, partial_id, blob_id`, [param]);
  const recordIds = (kind: string) =>
    rows.filter((r) => r.owner_kind === kind).map((r) => attachmentRecordId(r.id));
  const reportRecords = recordIds('report');
  if (reportRecords.length)
    await tx.query('delete from report_wraps where record_id = any($1::text[])', [reportRecords]);
  const conversationRecords = recordIds('conversation-message');
  if (conversationRecords.length)
    await tx.query('delete from conversation_wraps where record_id = any($1::text[])', [conversationRecords]);
  return {
    count: rows.length,
    partialIds: rows.flatMap((r) => (r.partial_id ? [r.partial_id] : [])),
    blobIds: rows.flatMap((r) => (r.blob_id ? [r.blob_id] : [])),
  };
}
