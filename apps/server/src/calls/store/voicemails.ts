import type { ReaderWrap } from '@llamenos/crypto';
import { oneRow, type Queryable, returnsRow } from '../../db/database.js';

/** A `voicemails` row as the database returns it; a row from before blobs has no blob, size or wraps. */
interface VoicemailsTable {
  call_id: string;
  content_type: string;
  duration: number;
  created_at: Date;
  blob_id: string | null;
  size: number | null;
  wraps: ReaderWrap[] | null;
}

/** A stored voicemail: the encrypted file in the attachment store and the admins' wraps of its key. */
export interface StoredVoicemail {
  callId: string;
  contentType: string;
  durationSeconds: number;
  createdAt: Date;
  blobId: string;
  /** Plaintext bytes. */
  size: number;
  wraps: ReaderWrap[];
}

/** Null for a row written before blobs: it reads as "no voicemail". */
function voicemailFromRow(r: VoicemailsTable): StoredVoicemail | null {
  if (!r.blob_id || !r.wraps) return null;
  return {
    callId: r.call_id,
    contentType: r.content_type,
    durationSeconds: Number(r.duration),
    createdAt: new Date(r.created_at),
    blobId: r.blob_id,
    size: Number(r.size),
    wraps: r.wraps,
  };
}

export async function findVoicemail(db: Queryable, callId: string): Promise<StoredVoicemail | null> {
  return oneRow(db, 'select * from voicemails where call_id = $1', [callId], voicemailFromRow);
}

/** Whether any row (even one from before blobs) exists: a second recording callback is a duplicate. */
export async function hasVoicemailRow(db: Queryable, callId: string): Promise<boolean> {
  return returnsRow(db, 'select 1 from voicemails where call_id = $1', [callId]);
}

/** Stores a sealed voicemail once; false when the call already has one (a retried callback). */
export async function insertVoicemail(
  tx: Queryable,
  voicemail: Omit<StoredVoicemail, 'createdAt'>,
  now: Date,
): Promise<boolean> {
  const rows = await tx.query<Pick<VoicemailsTable, 'call_id'>>(
    `insert into voicemails (call_id, blob_id, size, content_type, wraps, duration, created_at)
     values ($1, $2, $3, $4, $5::jsonb, $6, $7)
     on conflict (call_id) do nothing returning call_id`,
    [
      voicemail.callId,
      voicemail.blobId,
      voicemail.size,
      voicemail.contentType,
      JSON.stringify(voicemail.wraps),
      voicemail.durationSeconds,
      now,
    ],
  );
  return rows.length > 0;
}
