import type { TelephonyProvider } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import type { CallControl } from '../telephony/provider.js';
import {
  claimDueRecordingDeletes,
  findRecordingDelete,
  giveUpRecordingDelete,
  queueRecordingDelete,
  type RecordingDelete,
  removeRecordingDelete,
  scheduleRecordingDeleteRetry,
} from './store/recording-deletes.js';
import { controlAdapter, errorInfo } from './wiring.js';

/**
 * Lesson 16: a recording is deleted at the provider once we hold our encrypted copy. The delete
 * is durable: a `recording_deletes` row is written in the transaction that stores the voicemail
 * and removed only when the provider confirms (404 counts: already gone). A failed delete is
 * retried by the call timers' tick with growing delays; after the last one the failure is
 * audited ('calls.recording-delete-failed'), logged as an error and the row kept (gave_up_at)
 * so an operator can find it. Nothing is silently forgotten.
 */

/** Wait before each retry, after the first attempt failed; about 22 h in all, then give up. */
export const RECORDING_DELETE_BACKOFF_MS = [
  10_000,
  60_000,
  5 * 60_000,
  15 * 60_000,
  3600_000,
  3 * 3600_000,
  6 * 3600_000,
  12 * 3600_000,
] as const;
/** A claimed row is left alone this long by other processes while one tries it. */
const LEASE_MS = 60_000;
const BATCH = 50;

/** One attempt: removes the row on success, schedules the next attempt (or gives up) on failure. */
async function attemptRecordingDelete(
  ctx: ServerContext,
  adapter: CallControl | null,
  job: RecordingDelete,
  now: Date,
): Promise<'deleted' | 'retry' | 'gave-up'> {
  try {
    const control = adapter ?? (await controlAdapter(ctx, job.provider as TelephonyProvider));
    await control.deleteRecording(job.recordingRef);
  } catch (error) {
    return recordFailure(ctx, job, error, now);
  }
  await removeRecordingDelete(ctx.db, job);
  return 'deleted';
}

/** Queues (if needed) and tries the delete now: what a recording callback does. */
export async function deleteRecordingAtProvider(
  ctx: ServerContext,
  adapter: CallControl,
  job: Pick<RecordingDelete, 'provider' | 'recordingRef' | 'callId'>,
): Promise<'deleted' | 'retry' | 'gave-up'> {
  const now = ctx.now();
  await queueRecordingDelete(ctx.db, job, now);
  const queued = await findRecordingDelete(ctx.db, job);
  // Another callback or process finished it in between.
  if (!queued) return 'deleted';
  return attemptRecordingDelete(ctx, adapter, queued, now);
}

async function recordFailure(
  ctx: ServerContext,
  job: RecordingDelete,
  error: unknown,
  now: Date,
): Promise<'retry' | 'gave-up'> {
  const attempts = job.attempts + 1;
  const delay = RECORDING_DELETE_BACKOFF_MS[attempts - 1];
  const where = { callId: job.callId, provider: job.provider, attempts, err: errorInfo(error) };
  if (delay !== undefined) {
    await scheduleRecordingDeleteRetry(ctx.db, job, attempts, new Date(now.getTime() + delay));
    ctx.log.warn({ ...where, retryInMs: delay }, 'recording not deleted at the provider; will retry');
    return 'retry';
  }
  const gaveUp = await ctx.db.transaction(async (tx) => {
    if (!(await giveUpRecordingDelete(tx, job, attempts, now))) return false;
    await appendAuditInTx(
      tx,
      {
        action: 'calls.recording-delete-failed',
        target: job.callId ? `call:${job.callId}` : 'calls',
        details: {
          callId: job.callId,
          provider: job.provider,
          // The provider's id of the recording, so it can be deleted there by hand.
          recordingRef: job.recordingRef,
          attempts,
        },
      },
      now,
    );
    return true;
  });
  if (gaveUp)
    ctx.log.error(
      where,
      'recording could not be deleted at the provider after every retry; it must be deleted there by hand',
    );
  return 'gave-up';
}

/** The tick's share: claims due deletes (SKIP LOCKED, leased) and tries each once. */
export async function retryRecordingDeletes(
  ctx: ServerContext,
  now: Date,
): Promise<{ deleted: number; failed: number }> {
  const leaseUntil = new Date(now.getTime() + LEASE_MS);
  const due = await ctx.db.transaction((tx) => claimDueRecordingDeletes(tx, now, BATCH, leaseUntil));
  let deleted = 0;
  for (const job of due) {
    if ((await attemptRecordingDelete(ctx, null, job, now)) === 'deleted') deleted += 1;
  }
  return { deleted, failed: due.length - deleted };
}
