import type { NoteForReader, NoteMeta, NoteVersionInfo } from '@llamenos/protocol';
import { oneRow, type Queryable, returnsRow } from '../db/database.js';
import { listConditions, type PageWindow } from '../db/newest-first.js';
import { rowStatement, writeStatement } from '../db/row-statement.js';

/** A `notes` row. */
export interface NoteRow {
  id: string;
  callId: string | null;
  authorId: string;
  authorPubkey: string;
  currentVersion: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

interface RawNote {
  id: string;
  call_id: string | null;
  author_id: string;
  author_pubkey: string;
  current_version: number;
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
}

const fromRaw = (r: RawNote): NoteRow => ({
  id: r.id,
  callId: r.call_id,
  authorId: r.author_id,
  authorPubkey: r.author_pubkey,
  currentVersion: Number(r.current_version),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  deletedAt: r.deleted_at === null ? null : new Date(r.deleted_at),
});

export const metaOf = (n: NoteRow, version = n.currentVersion): NoteMeta => ({
  id: n.id,
  callId: n.callId,
  authorPubkey: n.authorPubkey,
  version,
  createdAt: n.createdAt.toISOString(),
  updatedAt: n.updatedAt.toISOString(),
});

/** `for update` locks the row for an edit or delete in the same transaction. */
export async function readNote(db: Queryable, id: string, forUpdate = false): Promise<NoteRow | null> {
  return oneRow(db, `select * from notes where id = $1${forUpdate ? ' for update' : ''}`, [id], fromRaw);
}

/** Inserts the note row; false when the id is taken (by a live note or a tombstone). */
export async function insertNote(db: Queryable, n: Omit<NoteRow, 'deletedAt'>): Promise<boolean> {
  return returnsRow(
    db,
    `insert into notes (id, call_id, author_id, author_pubkey, current_version, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing returning id`,
    [n.id, n.callId, n.authorId, n.authorPubkey, n.currentVersion, n.createdAt, n.updatedAt],
  );
}

/** One version's ciphertext and all its wraps. */
export async function insertVersion(
  db: Queryable,
  v: {
    noteId: string;
    version: number;
    ciphertext: string;
    wraps: { reader: string; wrap: string }[];
    createdAt: Date;
    createdBy: string;
  },
): Promise<void> {
  await db.query(
    'insert into note_versions (note_id, version, ciphertext, created_at, created_by) values ($1, $2, $3, $4, $5)',
    [v.noteId, v.version, v.ciphertext, v.createdAt, v.createdBy],
  );
  await db.query(
    `insert into note_wraps (note_id, version, reader_pubkey, wrap)
     select $1, $2, r, w from unnest($3::text[], $4::text[]) as t(r, w)`,
    [v.noteId, v.version, v.wraps.map((w) => w.reader), v.wraps.map((w) => w.wrap)],
  );
}

/** Moves the note to `next` only if it is still at `expected`: the optimistic-concurrency check. */
export const bumpVersion = writeStatement(
  `update notes set current_version = $3, updated_at = $4
     where id = $1 and current_version = $2 and deleted_at is null returning id`,
  (id: string, expected: number, next: number, now: Date) => [id, expected, next, now],
);

/** Tombstones a note: content (versions, and wraps by cascade) is gone, the metadata row stays. */
export async function tombstone(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query('delete from note_versions where note_id = $1', [id]);
  await db.query('update notes set deleted_at = $2, updated_at = $2 where id = $1', [id, now]);
}

interface RawNoteWithContent extends RawNote {
  version: number;
  ciphertext: string;
  wrap: string | null;
}

const forReader = (r: RawNoteWithContent, reader: string): NoteForReader => ({
  ...metaOf(fromRaw(r), Number(r.version)),
  ciphertext: r.ciphertext,
  wrap: r.wrap === null ? null : { reader, wrap: r.wrap },
});

/** One version of a live note with the reader's own wrap (or null); null if there is no such version. */
export const readVersionFor = rowStatement(
  `select n.*, v.version, v.ciphertext, w.wrap
     from notes n
     join note_versions v on v.note_id = n.id and v.version = $2
     left join note_wraps w on w.note_id = v.note_id and w.version = v.version and w.reader_pubkey = $3
     where n.id = $1 and n.deleted_at is null`,
  (id: string, version: number, reader: string) => [id, version, reader],
  (row: RawNoteWithContent, _id, _version, reader): NoteForReader => forReader(row, reader),
);

export interface NoteFilter extends PageWindow {
  /** Only this author's notes (a caller without notes:read-all). */
  authorId?: string;
  authorPubkey?: string;
  callId?: string;
}

/** Live notes, newest first, each at its current version with the reader's own wrap. */
export async function listForReader(db: Queryable, f: NoteFilter, reader: string): Promise<NoteForReader[]> {
  const { params, where, add, window } = listConditions([reader], ['n.deleted_at is null']);
  if (f.authorId) add((p) => `n.author_id = ${p(f.authorId)}`);
  if (f.authorPubkey) add((p) => `n.author_pubkey = ${p(f.authorPubkey)}`);
  if (f.callId) add((p) => `n.call_id = ${p(f.callId)}`);
  const limit = window('n', f);
  const rows = await db.query<RawNoteWithContent>(
    `select n.*, v.version, v.ciphertext, w.wrap
     from notes n
     join note_versions v on v.note_id = n.id and v.version = n.current_version
     left join note_wraps w on w.note_id = v.note_id and w.version = v.version and w.reader_pubkey = $1
     where ${where.join(' and ')}
     order by n.created_at desc, n.id desc
     limit ${limit}`,
    params,
  );
  return rows.map((r) => forReader(r, reader));
}

export async function listVersions(db: Queryable, id: string): Promise<NoteVersionInfo[]> {
  const rows = await db.query<{ version: number; created_at: Date | string; created_by: string }>(
    'select version, created_at, created_by from note_versions where note_id = $1 order by version',
    [id],
  );
  return rows.map((r) => ({
    version: Number(r.version),
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
  }));
}

/** The first version's ciphertext, to recognise a retried create. */
export async function firstCiphertext(db: Queryable, id: string): Promise<string | null> {
  const [row] = await db.query<{ ciphertext: string }>(
    'select ciphertext from note_versions where note_id = $1 and version = 1',
    [id],
  );
  return row?.ciphertext ?? null;
}
