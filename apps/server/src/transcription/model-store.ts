import type { TranscriptionModelInfo } from '@llamenos/protocol';
import { oneRow, type Queryable } from '../db/database.js';

/** An admin's model upload in progress. */
export interface ModelUploadRow {
  id: string;
  name: string;
  size: number;
  sha256: string;
  received: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

interface RawUpload {
  id: string;
  name: string;
  size: string | number;
  sha256: string;
  received: string | number;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}

const uploadFromRaw = (r: RawUpload): ModelUploadRow => ({
  id: r.id,
  name: r.name,
  size: Number(r.size),
  sha256: r.sha256,
  received: Number(r.received),
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

export async function insertUpload(db: Queryable, u: Omit<ModelUploadRow, 'received' | 'updatedAt'>) {
  await db.query(
    `insert into transcription_model_uploads (id, name, size, sha256, received, created_by, created_at, updated_at)
     values ($1, $2, $3, $4, 0, $5, $6, $6)`,
    [u.id, u.name, u.size, u.sha256, u.createdBy, u.createdAt],
  );
}

/** `for update` serialises chunks of the same upload. */
export async function readUpload(
  db: Queryable,
  id: string,
  forUpdate = false,
): Promise<ModelUploadRow | null> {
  return oneRow(
    db,
    `select * from transcription_model_uploads where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
    uploadFromRaw,
  );
}

export async function recordReceived(db: Queryable, id: string, received: number, now: Date): Promise<void> {
  await db.query('update transcription_model_uploads set received = $2, updated_at = $3 where id = $1', [
    id,
    received,
    now,
  ]);
}

export async function deleteUpload(db: Queryable, id: string): Promise<void> {
  await db.query('delete from transcription_model_uploads where id = $1', [id]);
}

/** Uploads untouched since `before` (abandoned by their admin). */
export async function staleUploads(db: Queryable, before: Date): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    'select id from transcription_model_uploads where updated_at < $1',
    [before],
  );
  return rows.map((r) => r.id);
}

interface RawModel {
  sha256: string;
  name: string;
  size: string | number;
  uploaded_at: Date | string;
}

/** The hotline's model, or null when none was uploaded. */
export async function readCurrentModel(
  db: Queryable,
  forUpdate = false,
): Promise<TranscriptionModelInfo | null> {
  const [row] = await db.query<RawModel>(
    `select sha256, name, size, uploaded_at from transcription_model${forUpdate ? ' for update' : ''}`,
  );
  return row
    ? {
        sha256: row.sha256,
        name: row.name,
        size: Number(row.size),
        uploadedAt: new Date(row.uploaded_at).toISOString(),
      }
    : null;
}

/** Makes `model` the hotline's model, replacing any other. */
export async function setCurrentModel(
  db: Queryable,
  model: { sha256: string; name: string; size: number; uploadedAt: Date; uploadedBy: string },
): Promise<void> {
  await db.query(
    `insert into transcription_model (singleton, sha256, name, size, uploaded_at, uploaded_by)
     values (true, $1, $2, $3, $4, $5)
     on conflict (singleton) do update set sha256 = excluded.sha256, name = excluded.name,
       size = excluded.size, uploaded_at = excluded.uploaded_at, uploaded_by = excluded.uploaded_by`,
    [model.sha256, model.name, model.size, model.uploadedAt, model.uploadedBy],
  );
}

export async function clearCurrentModel(db: Queryable): Promise<void> {
  await db.query('delete from transcription_model');
}
