import { randomBytes } from 'node:crypto';
import { encryptStream, PURPOSES, type ReaderWrap, toBase64url, wrapKey } from '@llamenos/crypto';
import type { TelephonyProvider } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import { type BlobStore, blobStore } from '../blobs/store.js';
import type { ServerContext } from '../http/context.js';
import { currentNoteAdmins } from '../records/envelope.js';
import { ProviderHttpError, ProviderResponseError } from '../telephony/errors.js';
import type { CallControl, Instruction, Recording, RecordingReadyEvent } from '../telephony/provider.js';
import { cancelAtProvider } from './answer.js';
import { callerDocument, voicemailDocument } from './documents.js';
import { stepsUntilWait } from './event-steps.js';
import { deleteRecordingAtProvider } from './recording-deletes.js';
import { requeue } from './ringing.js';
import {
  type CallRow,
  type CallsTable,
  callFromRow,
  closeLiveLegs,
  countLegs,
  findCall,
  hasVoicemailRow,
  insertVoicemail,
  markVoicemailRedirected,
  queueRecordingDelete,
} from './store.js';
import { announce, callSettings, controlAdapter, errorInfo } from './wiring.js';

/**
 * Voicemail: a call nobody answered before its deadline is moved to 'voicemail' (a guarded
 * UPDATE, so the tick of one process and the wait loop of another cannot both do it), its legs
 * are cancelled, and the caller is redirected to the recording document. The recording is
 * fetched by reference and encrypted as it arrives (STREAM, a fresh file key, label
 * LABEL_VOICEMAIL_STREAM) into the attachment store, never held whole in memory (lesson 10); the
 * file key is wrapped for each current admin; then the provider's copy is deleted (lesson 16).
 */

const voicemailRecordId = (callId: string) => `voicemail:${callId}`;

interface SealedRecording {
  blobId: string;
  /** Plaintext bytes of the recording. */
  size: number;
  contentType: string;
  wraps: ReaderWrap[];
}

/** Streams the recording through the STREAM encryption into a new blob, counting its bytes. */
async function sealRecording(
  blobs: BlobStore,
  key: Uint8Array,
  recordId: string,
  recording: Recording,
): Promise<SealedRecording> {
  let size = 0;
  const counted = recording.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const blob = await blobs.write(
    counted.pipeThrough(encryptStream(key, { label: PURPOSES.voicemail.content, recordId })),
  );
  return { blobId: blob.id, size, contentType: recording.contentType, wraps: [] };
}

/** queued/ringing → voicemail, once. Returns the row if this call moved it. */
export async function moveToVoicemail(
  ctx: ServerContext,
  callId: string,
  reason: string,
): Promise<CallRow | null> {
  const now = ctx.now();
  const moved = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<CallsTable>(
      `update calls set status = 'voicemail', updated_at = $2 where id = $1 and status in ('queued', 'ringing') returning *`,
      [callId, now],
    );
    if (!row) return null;
    const legsRung = await countLegs(tx, callId);
    await appendAuditInTx(
      tx,
      {
        action: 'calls.voicemail',
        target: `call:${callId}`,
        details: { callId, reason, legsRung },
      },
      now,
    );
    return callFromRow(row);
  });
  if (moved) {
    const legs = await closeLiveLegs(ctx.db, callId, null, now);
    await cancelAtProvider(ctx, moved, legs);
  }
  return moved;
}

/**
 * The caller reached the voicemail step, from the wait loop (past the deadline) or from our
 * redirect: the recording prompt, or back into the queue if a volunteer won the call a moment
 * before the redirect.
 */
export async function voicemailPrompt(ctx: ServerContext, call: CallRow): Promise<Instruction[]> {
  const moved = await moveToVoicemail(ctx, call.id, 'unanswered');
  // Its volunteers are free: the queue offers them the next waiting call (and releases their legs).
  if (moved) requeue(ctx);
  const current = moved ?? (await findCall(ctx.db, call.id)) ?? call;
  if (current.endedAt) return [{ kind: 'hangup' }];
  if (current.status !== 'voicemail') return callerDocument(ctx, current, await callSettings(ctx));
  await markVoicemailRedirected(ctx.db, call.id, ctx.now());
  return voicemailDocument(ctx, current, await callSettings(ctx));
}

/**
 * A recording is ready. Idempotent: a second callback for the same call (the <Record> action
 * and the status callback both tell us; providers retry) finds the stored row and only makes
 * sure the provider's copy is gone.
 */
export async function storeVoicemail(
  ctx: ServerContext,
  adapter: CallControl,
  callId: string,
  event: RecordingReadyEvent,
): Promise<'stored' | 'duplicate' | 'ignored'> {
  const call = await findCall(ctx.db, callId);
  // The recording must be of this call's caller leg: a signed callback for one call cannot
  // attach its recording to another. When the provider does not name the call (Vonage's record
  // event) our `call` URL parameter decides; Vonage's token binds the body but not the URL, so a
  // captured event replayed within its 5 minutes could at worst file a recording (sealed for the
  // same admins) under another call waiting for its voicemail.
  const otherCall = event.callId !== null && call?.providerCallId !== event.callId;
  if (!call || otherCall || call.status !== 'voicemail') return 'ignored';
  const existing = await hasVoicemailRow(ctx.db, callId);
  const deleteJob = { provider: call.provider, recordingRef: event.recordingRef, callId };
  if (existing) {
    await deleteRecordingAtProvider(ctx, adapter, deleteJob);
    return 'duplicate';
  }
  const admins = await currentNoteAdmins(ctx.db);
  if (!admins.length) {
    // Nobody could open it: keep the provider's copy rather than lose the message.
    ctx.log.error({ callId }, 'no admin to seal a voicemail for; the recording stays at the provider');
    return 'ignored';
  }
  const blobs = blobStore(ctx);
  const sealed = await sealForAdmins(blobs, adapter, call, event, admins);
  const stored = await recordVoicemail(ctx, blobs, sealed, call.id, event, deleteJob);
  // Another process stored this call's voicemail first: ours is not needed.
  if (!stored) await blobs.remove(sealed.blobId);
  await deleteRecordingAtProvider(ctx, adapter, deleteJob);
  if (stored) await announce(ctx, { type: 'voicemail:new', callId });
  return stored ? 'stored' : 'duplicate';
}

/** Fetches and seals the recording; its file key is wrapped for each admin, then wiped. */
async function sealForAdmins(
  blobs: BlobStore,
  adapter: CallControl,
  call: CallRow,
  event: RecordingReadyEvent,
  admins: readonly string[],
): Promise<SealedRecording> {
  const recordId = voicemailRecordId(call.id);
  const key = randomBytes(32);
  try {
    const sealed = await sealRecording(
      blobs,
      key,
      recordId,
      await adapter.fetchRecording(event.recordingRef),
    );
    if (sealed.size === 0) {
      await blobs.remove(sealed.blobId);
      throw new ProviderResponseError(call.provider, 'fetch recording', 'recording is empty');
    }
    sealed.wraps = admins.map((reader) => ({
      reader,
      wrap: toBase64url(wrapKey(key, reader, { label: PURPOSES.voicemail.wrap, recordId })),
    }));
    return sealed;
  } finally {
    key.fill(0);
  }
}

/**
 * The voicemail row, the provider-copy delete job and the audit entry, in one transaction.
 * False when another process stored this call's voicemail first; the blob is removed if the
 * transaction fails.
 */
async function recordVoicemail(
  ctx: ServerContext,
  blobs: BlobStore,
  sealed: SealedRecording,
  callId: string,
  event: RecordingReadyEvent,
  deleteJob: { provider: string; recordingRef: string; callId: string },
): Promise<boolean> {
  const now = ctx.now();
  try {
    return await ctx.db.transaction(async (tx) => {
      const inserted = await insertVoicemail(
        tx,
        {
          callId,
          blobId: sealed.blobId,
          size: sealed.size,
          contentType: sealed.contentType,
          wraps: sealed.wraps,
          durationSeconds: event.durationSeconds,
        },
        now,
      );
      if (!inserted) return false;
      // The provider's copy must go (lesson 16): durable, so a failed delete is retried by the tick.
      await queueRecordingDelete(tx, deleteJob, now);
      await appendAuditInTx(
        tx,
        {
          action: 'calls.voicemail-stored',
          target: `call:${callId}`,
          details: {
            callId,
            durationSeconds: event.durationSeconds,
            readers: sealed.wraps.length,
            bytes: sealed.size,
          },
        },
        now,
      );
      return true;
    });
  } catch (error) {
    await blobs.remove(sealed.blobId);
    throw error;
  }
}

/** Sends the caller of a call that moved to voicemail to the recording document. */
export async function redirectToVoicemail(
  ctx: ServerContext,
  call: CallRow,
  url: string,
): Promise<'redirected' | 'gone' | 'failed'> {
  try {
    const adapter = await controlAdapter(ctx, call.provider as TelephonyProvider);
    if (adapter.transport === 'events') {
      // ARI has no documents to redirect to: the caller's channel is given the recording steps.
      const steps = stepsUntilWait(voicemailDocument(ctx, call, await callSettings(ctx)));
      await adapter.perform(call.providerCallId, steps);
    } else await adapter.redirectCall(call.providerCallId, url);
    return 'redirected';
  } catch (error) {
    // Twilio's 21220 "call is not in-progress": the caller hung up as the deadline passed.
    if (error instanceof ProviderHttpError && (error.providerCode === 21220 || error.status === 404))
      return 'gone';
    ctx.log.warn({ callId: call.id, err: errorInfo(error) }, 'caller not redirected to voicemail');
    return 'failed';
  }
}
