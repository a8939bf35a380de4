import type { TranscriptForReader, TranscriptSource } from '@llamenos/protocol';
import { oneRow, type Queryable } from '../db/database.js';
import { grantInsert, grantWorkQuery } from '../records/grant-statements.js';
import { sealedInsert } from '../records/sealed-insert.js';
import { sealedForReader } from '../records/sealed-row.js';

/** A `transcripts` row without its ciphertext. */
export interface TranscriptRow {
  id: string;
  callId: string;
  source: TranscriptSource;
  authorId: string;
  authorPubkey: string;
  createdAt: Date;
}

interface RawTranscript {
  id: string;
  call_id: string;
  source: TranscriptSource;
  author_id: string;
  author_pubkey: string;
  ciphertext: string;
  created_at: Date | string;
}

/** Inserts a transcript and its wraps; false when the id is taken. */
export const insertTranscript = sealedInsert(
  `insert into transcripts (id, call_id, source, author_id, author_pubkey, ciphertext, created_at)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing returning id`,
  (t: TranscriptRow & { ciphertext: string; wraps: { reader: string; wrap: string }[] }) => [
    t.id,
    t.callId,
    t.source,
    t.authorId,
    t.authorPubkey,
    t.ciphertext,
    t.createdAt,
  ],
  async (db, t) => {
    for (const w of t.wraps)
      await db.query(
        'insert into transcript_wraps (transcript_id, reader_pubkey, wrap) values ($1, $2, $3)',
        [t.id, w.reader, w.wrap],
      );
  },
);

/** The stored transcript with this id (for a retried create), or null. */
export async function readTranscript(
  db: Queryable,
  id: string,
): Promise<(TranscriptRow & { ciphertext: string }) | null> {
  return oneRow(db, 'select * from transcripts where id = $1', [id], (r: RawTranscript) => ({
    id: r.id,
    callId: r.call_id,
    source: r.source,
    authorId: r.author_id,
    authorPubkey: r.author_pubkey,
    ciphertext: r.ciphertext,
    createdAt: new Date(r.created_at),
  }));
}

/** A call's transcripts, oldest first, each with `reader`'s own wrap; only `authorId`'s when given. */
export async function listForReader(
  db: Queryable,
  callId: string,
  reader: string,
  authorId?: string,
): Promise<TranscriptForReader[]> {
  const rows = await db.query<RawTranscript & { wrap: string | null }>(
    `select t.*, w.wrap from transcripts t
       left join transcript_wraps w on w.transcript_id = t.id and w.reader_pubkey = $2
      where t.call_id = $1${authorId ? ' and t.author_id = $3' : ''}
      order by t.created_at, t.id`,
    authorId ? [callId, reader, authorId] : [callId, reader],
  );
  return rows.map((r) => ({
    id: r.id,
    callId: r.call_id,
    source: r.source,
    ...sealedForReader(r, reader),
  }));
}

/** Transcripts the caller holds a wrap of and `reader` does not, by id after `after`. */
export const grantWork = grantWorkQuery(
  `select mine.transcript_id, mine.wrap from transcript_wraps mine
      where mine.reader_pubkey = $1 and mine.transcript_id > $3
        and not exists (select 1 from transcript_wraps t
                         where t.transcript_id = mine.transcript_id and t.reader_pubkey = $2)
      order by mine.transcript_id
      limit $4`,
  (r: { transcript_id: string; wrap: string }) => ({ transcriptId: r.transcript_id, wrap: r.wrap }),
);

/**
 * Adds wraps for `reader` to transcripts `caller` holds a wrap of (the caller could not have
 * made a real wrap for any other); an existing wrap is never replaced.
 */
export const insertGrantedWraps = grantInsert<{ transcriptId: string; wrap: string }>(
  {
    input: 'select * from unnest($3::text[], $4::text[]) as t(transcript_id, wrap)',
    eligible: `select i.transcript_id, i.wrap from input i
       join transcript_wraps mine on mine.transcript_id = i.transcript_id and mine.reader_pubkey = $2`,
    insert: `insert into transcript_wraps (transcript_id, reader_pubkey, wrap)
       select transcript_id, $1, wrap from eligible`,
  },
  ['transcriptId', 'wrap'],
);

/**
 * How `userId` took the call, from the audit log: answered (`calls.answered`, by phone or in
 * the browser) or handed to them (`calls.transferred`, always to a browser). Once a call has
 * ended, calls/call-meta.ts seals who answered and clears it from the calls and call_legs rows,
 * so the audit chain (user ids only) is where "this volunteer took this call" still stands.
 */
export async function howUserTookCall(
  db: Queryable,
  callId: string,
  userId: string,
): Promise<'browser' | 'phone' | null> {
  const [row] = await db.query<{ action: string; via: string | null }>(
    `select action, details->>'via' as via from audit_log
      where action in ('calls.answered', 'calls.transferred') and target = $1
        and ((action = 'calls.answered' and details->>'answeredBy' = $2)
          or (action = 'calls.transferred' and details->>'to' = $2))
      order by seq desc limit 1`,
    [`call:${callId}`, userId],
  );
  if (!row) return null;
  return row.action === 'calls.transferred' || row.via === 'browser' ? 'browser' : 'phone';
}
