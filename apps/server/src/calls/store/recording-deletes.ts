import { oneRow, type Queryable, returnsRow } from '../../db/database.js';

/** A `recording_deletes` row as the database returns it. */
interface RecordingDeletesTable {
  provider: string;
  recording_ref: string;
  call_id: string | null;
  attempts: number;
  next_attempt_at: Date;
  created_at: Date;
  gave_up_at: Date | null;
}

/** A recording still to delete at the provider (lesson 16). */
export interface RecordingDelete {
  provider: string;
  recordingRef: string;
  callId: string | null;
  /** Failed attempts so far. */
  attempts: number;
}

const fromRow = (r: RecordingDeletesTable): RecordingDelete => ({
  provider: r.provider,
  recordingRef: r.recording_ref,
  callId: r.call_id ?? null,
  attempts: Number(r.attempts),
});

/** Records that the provider's copy must go; a no-op when it is already recorded. */
export async function queueRecordingDelete(
  db: Queryable,
  job: Pick<RecordingDelete, 'provider' | 'recordingRef' | 'callId'>,
  now: Date,
): Promise<void> {
  await db.query(
    `insert into recording_deletes (provider, recording_ref, call_id, attempts, next_attempt_at, created_at)
     values ($1, $2, $3, 0, $4, $4) on conflict (provider, recording_ref) do nothing`,
    [job.provider, job.recordingRef, job.callId, now],
  );
}

/** Which recording a job deletes: the provider and its reference there. */
export type RecordingDeleteKey = Pick<RecordingDelete, 'provider' | 'recordingRef'>;

export async function findRecordingDelete(
  db: Queryable,
  job: RecordingDeleteKey,
): Promise<RecordingDelete | null> {
  return oneRow(
    db,
    'select * from recording_deletes where provider = $1 and recording_ref = $2',
    [job.provider, job.recordingRef],
    fromRow,
  );
}

/** The provider confirmed the delete: nothing left to do. */
export async function removeRecordingDelete(db: Queryable, job: RecordingDelete): Promise<void> {
  await db.query('delete from recording_deletes where provider = $1 and recording_ref = $2', [
    job.provider,
    job.recordingRef,
  ]);
}

/** Another attempt failed: the next one is due at `nextAttemptAt`. */
export async function scheduleRecordingDeleteRetry(
  db: Queryable,
  job: RecordingDelete,
  attempts: number,
  nextAttemptAt: Date,
): Promise<void> {
  await db.query(
    `update recording_deletes set attempts = $3, next_attempt_at = $4
      where provider = $1 and recording_ref = $2 and gave_up_at is null`,
    [job.provider, job.recordingRef, attempts, nextAttemptAt],
  );
}

/** The last attempt failed: the row is kept for the operator. False when another process gave up first. */
export async function giveUpRecordingDelete(
  tx: Queryable,
  job: RecordingDelete,
  attempts: number,
  now: Date,
): Promise<boolean> {
  return returnsRow(
    tx,
    `update recording_deletes set attempts = $3, gave_up_at = $4
      where provider = $1 and recording_ref = $2 and gave_up_at is null returning 1`,
    [job.provider, job.recordingRef, attempts, now],
  );
}

/**
 * Claims up to `batch` due deletes for this process: locked with SKIP LOCKED so several
 * processes share them, and leased (next attempt pushed to `leaseUntil`) so none tries one twice.
 */
/** A delete to attempt now ($1 = now): the timers' probe asks whether any is due (timers.ts). */
export const RECORDING_DELETE_DUE = 'gave_up_at is null and next_attempt_at <= $1';

export async function claimDueRecordingDeletes(
  tx: Queryable,
  now: Date,
  batch: number,
  leaseUntil: Date,
): Promise<RecordingDelete[]> {
  const rows = await tx.query<RecordingDeletesTable>(
    `select * from recording_deletes where ${RECORDING_DELETE_DUE}
      order by next_attempt_at limit ${batch} for update skip locked`,
    [now],
  );
  for (const r of rows)
    await tx.query(
      'update recording_deletes set next_attempt_at = $3 where provider = $1 and recording_ref = $2',
      [r.provider, r.recording_ref, leaseUntil],
    );
  return rows.map(fromRow);
}
