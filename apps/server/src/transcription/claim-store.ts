import { oneRow, type Queryable, returnsRow } from '../db/database.js';
import { rowStatement } from '../db/row-statement.js';

/** A voicemail's automatic-transcription lease: who holds it and until when. */
export interface ClaimRow {
  claimedBy: string;
  expiresAt: Date;
}

interface RawClaim {
  claimed_by: string;
  expires_at: Date | string;
}

const fromRaw = (r: RawClaim): ClaimRow => ({ claimedBy: r.claimed_by, expiresAt: new Date(r.expires_at) });

/**
 * Takes the lease of `callId` for `userId` until `expiresAt` if nobody holds it, it expired by
 * `now`, or `userId` holds it already (renewed); null when another member holds it. One
 * statement, so of two claims racing exactly one inserts and the other sees its row.
 */
export const takeClaim = rowStatement(
  `insert into transcription_claims (call_id, claimed_by, expires_at) values ($1, $2, $4)
     on conflict (call_id) do update set claimed_by = excluded.claimed_by, expires_at = excluded.expires_at
      where transcription_claims.expires_at <= $3 or transcription_claims.claimed_by = excluded.claimed_by
     returning claimed_by, expires_at`,
  (callId: string, userId: string, now: Date, expiresAt: Date) => [callId, userId, now, expiresAt],
  fromRaw,
);

export async function readClaim(db: Queryable, callId: string): Promise<ClaimRow | null> {
  return oneRow(
    db,
    'select claimed_by, expires_at from transcription_claims where call_id = $1',
    [callId],
    fromRaw,
  );
}

/** A stored voicemail transcript ends the lease: nobody needs to transcribe the voicemail again. */
export async function releaseClaim(db: Queryable, callId: string): Promise<void> {
  await db.query('delete from transcription_claims where call_id = $1', [callId]);
}

export async function hasVoicemailTranscript(db: Queryable, callId: string): Promise<boolean> {
  return returnsRow(db, `select 1 from transcripts where call_id = $1 and source = 'voicemail' limit 1`, [
    callId,
  ]);
}
