import { createHash } from 'node:crypto';
import {
  CryptoError,
  fromBase64url,
  parsePublicKey,
  STREAM_HEADER_LENGTH,
  STREAM_VERSION,
} from '@llamenos/crypto';
import {
  type AttachmentView,
  type ChunkAck,
  type CreateAttachmentBody,
  UPLOAD_CHUNK_BODY_LIMIT_BYTES,
  UPLOAD_CHUNK_LOG2_MAX,
  UPLOAD_CHUNK_LOG2_MIN,
  type UploadStatus,
} from '@llamenos/protocol';
import { BlobPartialLostError, isStorageFull } from '../blobs/store.js';
import type { Queryable } from '../db/database.js';
import {
  conflict,
  type DomainError,
  forbidden,
  gone,
  insufficientStorage,
  invalid,
  notFound,
  tooLarge,
} from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { invalidBody, requireExactReaders, wrapProblem } from '../records/envelope.js';
import { readableReport, reportReaders } from '../reports/access.js';
import { announceReport } from '../reports/notify.js';
import { loadSettings } from '../settings/store.js';
import { limitProblem } from './limits.js';
import { type AttachmentCaller, audit } from './service.js';
import * as store from './store.js';

/**
 * Chunked, resumable uploads of sealed streams (docs/PROTOCOL.md §10.2).
 *
 * The browser seals a file with the STREAM construction and sends the stream's header when it
 * opens an upload, then one sealed chunk per request, in order. The server appends each chunk
 * to a partial file, fsyncs it, and only then records it, so an acknowledged chunk survives a
 * crash and an unacknowledged one is cut off by the next write at its offset. A client that
 * lost its connection asks GET /attachments/:id/upload where to continue. The server never
 * holds more than one chunk, and never a key: it cannot tell a tampered chunk from a genuine
 * one (the reader's decryption does), but it checks every chunk's length against the header.
 */

/** AEAD tag after every sealed chunk. */
const TAG_BYTES = 16;
const STORE_FULL = 'the attachment store is full; nothing of this chunk was kept; retry later';

const sealedChunkBytes = (chunkLog2: number) => 2 ** chunkLog2 + TAG_BYTES;
/** Where chunk `index` starts in the stream file: after the header and every chunk before it. */
const offsetOf = (a: store.AttachmentRow, index: number) =>
  STREAM_HEADER_LENGTH + index * sealedChunkBytes(a.chunkLog2);
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// ---------------------------------------------------------------------------------------------
// Opening an upload

function checkHeader(ctx: ServerContext, text: string): number {
  let header: Uint8Array;
  try {
    header = fromBase64url(text);
  } catch {
    throw invalidBody([{ path: 'header', message: 'not canonical unpadded base64url' }]);
  }
  if (header[0] !== STREAM_VERSION)
    throw invalidBody([{ path: 'header', message: `stream version must be ${STREAM_VERSION}` }]);
  if (header.length !== STREAM_HEADER_LENGTH)
    throw invalidBody([{ path: 'header', message: `a stream header is ${STREAM_HEADER_LENGTH} bytes` }]);
  const log2 = header[1] as number;
  if (log2 < UPLOAD_CHUNK_LOG2_MIN || log2 > UPLOAD_CHUNK_LOG2_MAX)
    throw invalidBody([
      {
        path: 'header',
        message: `chunk size must be 2^${UPLOAD_CHUNK_LOG2_MIN} to 2^${UPLOAD_CHUNK_LOG2_MAX} bytes for an upload`,
      },
    ]);
  const limit = Math.max(ctx.config.BODY_LIMIT_BYTES, UPLOAD_CHUNK_BODY_LIMIT_BYTES);
  if (sealedChunkBytes(log2) > limit)
    throw invalid(
      `a sealed chunk of 2^${log2} bytes does not fit this server's chunk request limit of ${limit} bytes; use smaller chunks`,
    );
  return log2;
}

function checkWraps(wraps: CreateAttachmentBody['wraps']): void {
  const issues: { path: string; message: string }[] = [];
  wraps.forEach((w, i) => {
    try {
      parsePublicKey(w.reader);
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      issues.push({ path: `wraps.${i}.reader`, message: 'not a valid public key' });
    }
    const problem = wrapProblem(w.wrap);
    if (problem) issues.push({ path: `wraps.${i}.wrap`, message: problem });
  });
  if (new Set(wraps.map((w) => w.reader)).size !== wraps.length)
    issues.push({ path: 'wraps', message: 'a reader is listed twice' });
  if (issues.length) throw invalidBody(issues);
}

/** The file key must be wrapped for exactly the report's readers, as the report itself (§9.4). */
function checkReaders(
  wraps: CreateAttachmentBody['wraps'],
  required: readonly string[],
  reportId: string,
): void {
  requireExactReaders(
    wraps.map((w) => w.reader),
    required,
    {
      rule: "the file key must be wrapped for the report's author and every current report admin",
      unexpected: 'readers who may not read this report',
      remedy: `Fetch GET /api/reports/${reportId}/readers and wrap again`,
    },
  );
}

/**
 * The upload under `body.id` if it is this very one again (same report, uploader, header and
 * chunk count: a retried request), as the caller sees it; null if there is none; 409 for an id
 * taken by anything else.
 */
async function sameUpload(
  tx: Queryable,
  caller: AttachmentCaller,
  reportId: string,
  body: CreateAttachmentBody,
): Promise<AttachmentView | null> {
  const existing = await store.readAttachment(tx, body.id);
  if (!existing) return null;
  if (
    existing.reportId !== reportId ||
    existing.uploaderId !== caller.userId ||
    existing.header !== body.header ||
    existing.chunkCount !== body.chunkCount ||
    existing.firstChunkSha256 !== (body.firstChunkSha256 ?? null)
  )
    throw conflict('an attachment with this id already exists; choose a new id');
  const wrap = (await store.wrapsOfReportFor(tx, reportId, caller.pubkey)).get(existing.id);
  return store.viewOf(existing, wrap ? { reader: caller.pubkey, wrap } : null);
}

/**
 * Opens an upload on the caller's own report. The partial file (holding the header) is made
 * first, so a row never names a file that was not there; a retry of the very same request
 * answers like the first one.
 */
export async function createAttachment(
  ctx: ServerContext,
  caller: AttachmentCaller,
  reportId: string,
  body: CreateAttachmentBody,
): Promise<{ attachment: AttachmentView; created: boolean }> {
  const chunkLog2 = checkHeader(ctx, body.header);
  checkWraps(body.wraps);
  const { settings } = await loadSettings(ctx.db);
  const now = ctx.now();
  const shape = { id: body.id, reportId, chunkCount: body.chunkCount, chunkLog2 };

  // Refusals that need no file come before one is made, and so does the answer to a retry.
  const retried = await ctx.db.transaction(async (tx) => {
    const report = await readableReport(tx, caller, reportId);
    if (report.authorId !== caller.userId) throw forbidden("only the report's author adds attachments");
    const existing = await sameUpload(tx, caller, reportId, body);
    if (existing) return existing;
    checkReaders(body.wraps, await reportReaders(tx, report.authorPubkey), reportId);
    const problem = await limitProblem(tx, settings.reports, shape);
    if (problem) throw tooLarge(problem);
    return null;
  });
  if (retried) return { attachment: retried, created: false };

  let partialId: string;
  try {
    partialId = await ctx.blobs.createPartial(fromBase64url(body.header));
  } catch (error) {
    if (isStorageFull(error))
      throw insufficientStorage('the attachment store is full; nothing was kept; retry later');
    throw error;
  }
  try {
    return await ctx.db.transaction(async (tx) => {
      // Again under the report's lock: the readers or the limits may have changed meanwhile.
      const report = await readableReport(tx, caller, reportId, true);
      const row = {
        ...shape,
        uploaderId: caller.userId,
        uploaderPubkey: caller.pubkey,
        state: 'uploading' as const,
        header: body.header,
        firstChunkSha256: body.firstChunkSha256 ?? null,
        partialId,
        createdAt: now,
        updatedAt: now,
      };
      // A retry that raced the first request: its file is not needed.
      const existing = await sameUpload(tx, caller, reportId, body);
      if (existing) {
        await ctx.blobs.removePartial(partialId);
        return { attachment: existing, created: false };
      }
      checkReaders(body.wraps, await reportReaders(tx, report.authorPubkey), reportId);
      const problem = await limitProblem(tx, settings.reports, shape);
      if (problem) throw tooLarge(problem);
      await store.insertAttachment(tx, row, body.wraps);
      const own = body.wraps.find((w) => w.reader === caller.pubkey);
      return {
        attachment: store.viewOf(
          { ...row, received: 0, bytesReceived: 0, lastChunkSha256: null, blobId: null, completedAt: null },
          own ? { reader: own.reader, wrap: own.wrap } : null,
        ),
        created: true,
      };
    });
  } catch (error) {
    await ctx.blobs.removePartial(partialId);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Chunks

/** The caller's own upload (anyone else's reads as missing), on a report still readable to them. */
async function ownUpload(
  tx: Queryable,
  caller: AttachmentCaller,
  id: string,
  lock = false,
): Promise<store.AttachmentRow> {
  const a = await store.readAttachment(tx, id, lock);
  if (!a || a.uploaderId !== caller.userId) throw notFound('no such upload');
  await readableReport(tx, caller, a.reportId);
  return a;
}

const ackOf = (a: store.AttachmentRow): ChunkAck => ({
  received: a.received,
  complete: a.state === 'complete',
});

type ChunkOutcome =
  | { kind: 'ack'; attachment: store.AttachmentRow }
  | { kind: 'finish'; attachment: store.AttachmentRow }
  | { kind: 'refused'; error: DomainError; partialId: string | null };

/**
 * Where chunk `index` stands against what was received: the last acknowledged one again (same
 * bytes) gives its outcome again; the next one gives null (go on); anything else is refused.
 */
function placeChunk(a: store.AttachmentRow, index: number, sha256: string): ChunkOutcome | null {
  if (a.state === 'failed') throw gone('this upload failed; start a new one');
  if (index < a.received) {
    if (index === a.received - 1 && sha256 === a.lastChunkSha256)
      return {
        kind: a.state === 'uploading' && a.received === a.chunkCount ? 'finish' : 'ack',
        attachment: a,
      };
    throw conflict(`chunk ${index} was already received; continue from ${a.received}`, {
      received: a.received,
    });
  }
  if (a.state === 'complete') throw conflict('this upload is complete', { received: a.received });
  if (index >= a.chunkCount)
    throw invalid(`this stream has ${a.chunkCount} chunks (0 to ${a.chunkCount - 1})`, {
      received: a.received,
    });
  if (index > a.received)
    throw conflict(`chunk out of order; continue from ${a.received}`, { received: a.received });
  // The client committed to chunk 0 before any of it left the browser: another chunk 0 (another
  // file, resumed by mistake) is never stored, and a resuming client checks the same hash.
  if (index === 0 && a.firstChunkSha256 !== null && sha256 !== a.firstChunkSha256)
    throw invalid('chunk 0 is not the one declared when this upload was opened (firstChunkSha256)', {
      received: a.received,
    });
  return null;
}

/** Every chunk but the last is full size; the last holds at least the tag. True for the last. */
function checkChunkSize(a: store.AttachmentRow, index: number, bytes: Uint8Array): boolean {
  const full = sealedChunkBytes(a.chunkLog2);
  const last = index === a.chunkCount - 1;
  if (!last && bytes.length !== full)
    throw invalid(`chunk ${index} must be exactly ${full} bytes; only the final chunk may be shorter`, {
      received: a.received,
    });
  if (last && (bytes.length < TAG_BYTES || bytes.length > full))
    throw invalid(`the final chunk must be ${TAG_BYTES} to ${full} bytes`, { received: a.received });
  return last;
}

/**
 * Appends the chunk to the upload's partial file. A full store is a 507; a lost partial file
 * fails the upload (the refusal is returned, to be committed before it is thrown).
 */
async function appendChunk(
  ctx: ServerContext,
  tx: Queryable,
  a: store.AttachmentRow,
  index: number,
  bytes: Uint8Array,
  now: Date,
): Promise<ChunkOutcome | null> {
  try {
    if (!a.partialId) throw new BlobPartialLostError('no partial file');
    await ctx.blobs.appendPartial(a.partialId, offsetOf(a, index), bytes);
  } catch (error) {
    if (isStorageFull(error)) throw insufficientStorage(STORE_FULL);
    if (error instanceof BlobPartialLostError) {
      ctx.log.error({ attachment: a.id, err: error.message }, 'an upload lost its stored chunks');
      await store.markFailed(tx, a.id, now);
      return {
        kind: 'refused',
        error: gone('the stored part of this upload was lost; start a new upload'),
        partialId: a.partialId,
      };
    }
    throw error;
  }
  return null;
}

/**
 * Takes chunk `index` of an upload. The chunk at `received` is appended and recorded; the last
 * acknowledged one again (a lost answer) is acknowledged again, unchanged; anything else is a
 * 409 naming where to continue. A refusal that ends the upload (a lowered limit, a lost partial
 * file) is committed before it is thrown.
 */
export async function receiveChunk(
  ctx: ServerContext,
  caller: AttachmentCaller,
  id: string,
  index: number,
  bytes: Uint8Array,
  /** The body's SHA-256 if the request's signature check already computed it from these bytes. */
  knownSha256?: string,
): Promise<ChunkAck> {
  const sha256 = knownSha256 ?? sha256Hex(bytes);
  const { settings } = await loadSettings(ctx.db);
  const now = ctx.now();
  const outcome = await ctx.db.transaction(async (tx): Promise<ChunkOutcome> => {
    const a = await ownUpload(tx, caller, id, true);
    const replayed = placeChunk(a, index, sha256);
    if (replayed) return replayed;
    const last = checkChunkSize(a, index, bytes);

    // An admin may have lowered a limit since the upload began: it ends here, and its file goes.
    const problem = await limitProblem(tx, settings.reports, a);
    if (problem) {
      await store.markFailed(tx, a.id, now);
      return { kind: 'refused', error: tooLarge(problem), partialId: a.partialId };
    }

    const lost = await appendChunk(ctx, tx, a, index, bytes, now);
    if (lost) return lost;
    // Locked above, so this cannot lose a race; the condition is kept as a second guard.
    if (!(await store.recordChunk(tx, a.id, index, bytes.length, sha256, now)))
      throw conflict('the upload moved meanwhile; ask where to continue', { received: a.received });
    const recorded = {
      ...a,
      received: a.received + 1,
      bytesReceived: a.bytesReceived + bytes.length,
      lastChunkSha256: sha256,
    };
    return { kind: last ? 'finish' : 'ack', attachment: recorded };
  });

  if (outcome.kind === 'refused') {
    if (outcome.partialId) await ctx.blobs.removePartial(outcome.partialId);
    throw outcome.error;
  }
  if (outcome.kind === 'finish') return ackOf(await finishUpload(ctx, caller, outcome.attachment.id));
  return ackOf(outcome.attachment);
}

/**
 * Turns an upload whose every chunk is recorded into a blob. Idempotent: the blob takes the
 * partial file's id, so a rename done before a crash is found again, and a second call finds
 * the upload complete.
 */
async function finishUpload(
  ctx: ServerContext,
  caller: AttachmentCaller | null,
  id: string,
): Promise<store.AttachmentRow> {
  const now = ctx.now();
  const done = await ctx.db.transaction(async (tx) => {
    const a = await store.readAttachment(tx, id, true);
    if (!a) throw notFound('no such upload');
    if (a.state !== 'uploading' || a.received !== a.chunkCount || !a.partialId)
      return { attachment: a, finished: false };
    const blob = await ctx.blobs.completePartial(a.partialId);
    await store.markComplete(tx, a.id, blob.id, now);
    await audit(tx, caller, 'reports.attachment-added', now, `report:${a.reportId}`, {
      attachmentId: a.id,
      chunks: a.chunkCount,
      sizeBucket: store.sizeBucketOf(a),
    });
    const complete: store.AttachmentRow = {
      ...a,
      state: 'complete',
      blobId: blob.id,
      partialId: null,
      completedAt: now,
      updatedAt: now,
    };
    return { attachment: complete, finished: true };
  });
  // The report's readers re-read it and see the attachment ready (ids only on the hub).
  if (done.finished) await announceReport(ctx, 'report:updated', done.attachment.reportId);
  return done.attachment;
}

/** Where an interrupted upload continues (GET /attachments/:id/upload). */
export async function uploadStatus(
  ctx: ServerContext,
  caller: AttachmentCaller,
  id: string,
): Promise<UploadStatus> {
  let a = await ownUpload(ctx.db, caller, id);
  // A crash between recording the last chunk and renaming the file is finished here.
  if (a.state === 'uploading' && a.received === a.chunkCount) a = await finishUpload(ctx, caller, id);
  const wraps = await store.wrapsOfReportFor(ctx.db, a.reportId, caller.pubkey);
  const wrap = wraps.get(a.id);
  return {
    attachment: store.viewOf(a, wrap ? { reader: caller.pubkey, wrap } : null),
    header: a.header,
    lastChunkSha256: a.lastChunkSha256,
    firstChunkSha256: a.firstChunkSha256,
  };
}
