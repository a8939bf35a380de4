import { randomUUID } from 'node:crypto';
import type {
  ModelChunkAck,
  ModelUploadStatus,
  StartModelUploadBody,
  TranscriptionModelInfo,
} from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import { isStorageFull } from '../blobs/store.js';
import type { Member } from '../domain/actor.js';
import { conflict, insufficientStorage, invalid, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { notifySettingsChanged } from '../settings/hooks.js';
import { loadSettings } from '../settings/store.js';
import { inspectWhisperModel, WhisperModelFormatError } from './ggml-model.js';
import {
  appendPartialModel,
  createPartialModel,
  hashPartialModel,
  type ModelFileHandle,
  ModelPartialLostError,
  openModelFile,
  partialModelFile,
  promotePartialModel,
  removeModelFile,
  removePartialModel,
} from './model-files.js';
import * as store from './model-store.js';

/**
 * The hotline's whisper model: an admin uploads it once, in chunks, and every member's browser
 * downloads it from GET /api/transcription/models/<sha256> and keeps it in its cache. The file
 * is not secret (the official models are public); what matters is that it is whole, the one
 * the admin meant (the SHA-256 they announced and can compare with the published one) and a
 * whisper.cpp model, so a member's browser never fetches hundreds of megabytes of the wrong file.
 */

/** Chunks are at most 512 KiB and always fit under the server's body limit. */
const MAX_CHUNK_BYTES = 512 * 1024;

/** The chunk length of uploads on this server: the largest power of two within both limits. */
export function modelChunkBytes(ctx: ServerContext): number {
  const limit = Math.min(MAX_CHUNK_BYTES, ctx.config.BODY_LIMIT_BYTES);
  return 2 ** Math.floor(Math.log2(limit));
}

const STORE_FULL = 'the server has no room for the model file; nothing of this chunk was kept; retry later';

const statusOf = (ctx: ServerContext, u: store.ModelUploadRow): ModelUploadStatus => ({
  id: u.id,
  name: u.name,
  size: u.size,
  sha256: u.sha256,
  received: u.received,
  chunkBytes: modelChunkBytes(ctx),
});

/** An upload is its uploader's: anyone else is told it does not exist. */
function ownUpload(upload: store.ModelUploadRow | null, caller: Member): store.ModelUploadRow {
  if (!upload || upload.createdBy !== caller.pubkey) throw notFound('no such model upload');
  return upload;
}

/** An upload untouched this long is abandoned; the next upload started removes it and its partial file. */
export const STALE_MODEL_UPLOAD_MS = 7 * 24 * 3600 * 1000;

async function removeStaleUploads(ctx: ServerContext): Promise<void> {
  const stale = await store.staleUploads(ctx.db, new Date(ctx.now().getTime() - STALE_MODEL_UPLOAD_MS));
  for (const id of stale) await removeUpload(ctx, id);
}

/** An unfinished upload is gone: its row, then its partial file. */
async function removeUpload(ctx: ServerContext, id: string): Promise<void> {
  await store.deleteUpload(ctx.db, id);
  await removePartialModel(ctx, id);
}

export async function startModelUpload(
  ctx: ServerContext,
  caller: Member,
  body: StartModelUploadBody,
): Promise<ModelUploadStatus> {
  // Uploads are rare (a model is uploaded once), so abandoned ones are cleared here, not on a timer.
  await removeStaleUploads(ctx);
  const id = randomUUID();
  try {
    await createPartialModel(ctx, id);
  } catch (error) {
    if (isStorageFull(error)) throw insufficientStorage(STORE_FULL);
    throw error;
  }
  const now = ctx.now();
  const row = {
    id,
    name: body.name,
    size: body.size,
    sha256: body.sha256,
    createdBy: caller.pubkey,
    createdAt: now,
  };
  await store.insertUpload(ctx.db, row);
  return statusOf(ctx, { ...row, received: 0, updatedAt: now });
}

export async function modelUploadStatus(
  ctx: ServerContext,
  caller: Member,
  id: string,
): Promise<ModelUploadStatus> {
  return statusOf(ctx, ownUpload(await store.readUpload(ctx.db, id), caller));
}

/** The uploader gives up an unfinished upload; its partial file goes with it. */
export async function cancelModelUpload(ctx: ServerContext, caller: Member, id: string): Promise<void> {
  ownUpload(await store.readUpload(ctx.db, id), caller);
  await removeUpload(ctx, id);
}

/**
 * Stores chunk `index` (chunks go in order; a repeat of one already stored is acknowledged
 * again, so a client that lost an answer can resend). After the last chunk the file is checked
 * and, if it passes, becomes the hotline's model.
 */
export async function receiveModelChunk(
  ctx: ServerContext,
  caller: Member,
  id: string,
  index: number,
  bytes: Uint8Array,
): Promise<ModelChunkAck> {
  const chunk = modelChunkBytes(ctx);
  const upload = await ctx.db.transaction(async (tx) => {
    const u = ownUpload(await store.readUpload(tx, id, true), caller);
    const chunks = Math.ceil(u.size / chunk);
    if (index >= chunks) throw invalid(`this upload has ${chunks} chunks, numbered 0 to ${chunks - 1}`);
    const next = u.received / chunk;
    if (index < next) return u;
    if (index > next)
      throw conflict(`send chunk ${next} next: ${u.received} of ${u.size} bytes are stored`, {
        received: u.received,
      });
    const expected = index === chunks - 1 ? u.size - index * chunk : chunk;
    if (bytes.length !== expected)
      throw invalid(
        `chunk ${index} must be ${expected} bytes, not ${bytes.length} (chunks are ${chunk} bytes, the last one the rest)`,
      );
    try {
      await appendPartialModel(ctx, id, u.received, bytes);
    } catch (error) {
      if (isStorageFull(error)) throw insufficientStorage(STORE_FULL);
      if (error instanceof ModelPartialLostError)
        throw conflict('the server lost the stored part of this upload; start the upload again');
      throw error;
    }
    const received = u.received + bytes.length;
    await store.recordReceived(tx, id, received, ctx.now());
    return { ...u, received };
  });
  if (upload.received < upload.size) return { received: upload.received, complete: false, model: null };
  return { received: upload.received, complete: true, model: await completeModelUpload(ctx, caller, upload) };
}

/** Checks a whole upload; a file that fails is dropped with the upload and the admin told why. */
async function completeModelUpload(
  ctx: ServerContext,
  caller: Member,
  upload: store.ModelUploadRow,
): Promise<TranscriptionModelInfo> {
  const refuse = async (message: string) => {
    await store.deleteUpload(ctx.db, upload.id);
    await removePartialModel(ctx, upload.id);
    return invalid(`${message}; the upload was discarded`);
  };
  let sha256: string;
  let summary: Awaited<ReturnType<typeof inspectWhisperModel>>;
  try {
    sha256 = await hashPartialModel(ctx, upload.id);
    if (sha256 !== upload.sha256)
      throw await refuse(
        `the file's SHA-256 is ${sha256}, not ${upload.sha256} as announced: the file changed or was not sent whole`,
      );
    summary = await inspectWhisperModel(partialModelFile(ctx, upload.id));
  } catch (error) {
    if (error instanceof WhisperModelFormatError) throw await refuse(error.message);
    // A second request finishing the same upload got there first.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return alreadyCompleted(ctx, upload);
    throw error;
  }
  await promotePartialModel(ctx, upload.id, sha256).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  const now = ctx.now();
  const previous = await ctx.db.transaction(async (tx) => {
    if (!(await store.readUpload(tx, upload.id, true))) return undefined;
    const before = await store.readCurrentModel(tx, true);
    await store.setCurrentModel(tx, {
      sha256,
      name: upload.name,
      size: upload.size,
      uploadedAt: now,
      uploadedBy: caller.pubkey,
    });
    await store.deleteUpload(tx, upload.id);
    await auditActionInTx(tx, caller, now, {
      action: 'transcription.model-uploaded',
      target: `transcription-model:${sha256}`,
      details: {
        sha256,
        name: upload.name,
        size: upload.size,
        multilingual: summary.multilingual,
        ...(before && before.sha256 !== sha256 ? { replaces: before.sha256 } : {}),
      },
    });
    return before;
  });
  if (previous === undefined) return alreadyCompleted(ctx, upload);
  // The replaced file goes once no member is told of it any more.
  if (previous && previous.sha256 !== sha256) await removeModelFile(ctx, previous.sha256);
  await announceModelChange(ctx);
  return { sha256, name: upload.name, size: upload.size, uploadedAt: now.toISOString() };
}

async function alreadyCompleted(
  ctx: ServerContext,
  upload: store.ModelUploadRow,
): Promise<TranscriptionModelInfo> {
  const current = await store.readCurrentModel(ctx.db);
  if (current?.sha256 === upload.sha256) return current;
  throw conflict(
    'this upload was finished or discarded by another request; check the transcription settings',
  );
}

/** Members' clients refetch the public settings, which name the model, on this announcement. */
async function announceModelChange(ctx: ServerContext): Promise<void> {
  const { version } = await loadSettings(ctx.db);
  notifySettingsChanged(ctx, { kind: 'settings', version, changed: ['transcription'] });
}

/** The hotline's model, as members' clients learn it (null: transcription is unavailable). */
export const currentTranscriptionModel = (ctx: ServerContext): Promise<TranscriptionModelInfo | null> =>
  store.readCurrentModel(ctx.db);

/** The admin removes the model: transcription becomes unavailable until another is uploaded. */
export async function removeTranscriptionModel(ctx: ServerContext, caller: Member): Promise<void> {
  const now = ctx.now();
  const removed = await ctx.db.transaction(async (tx) => {
    const current = await store.readCurrentModel(tx, true);
    if (!current) throw notFound('no transcription model was uploaded');
    await store.clearCurrentModel(tx);
    await auditActionInTx(tx, caller, now, {
      action: 'transcription.model-removed',
      target: `transcription-model:${current.sha256}`,
      details: { sha256: current.sha256, name: current.name, size: current.size },
    });
    return current;
  });
  await removeModelFile(ctx, removed.sha256);
  await announceModelChange(ctx);
}

/** The current model's file; any other address (an old or unknown model) is a 404. */
export async function openTranscriptionModel(ctx: ServerContext, sha256: string): Promise<ModelFileHandle> {
  const current = await store.readCurrentModel(ctx.db);
  if (current?.sha256 !== sha256)
    throw notFound('no such model: fetch the current one named in the settings');
  const file = await openModelFile(ctx, sha256);
  if (!file) {
    ctx.log.error({ sha256 }, 'the current transcription model file is missing from disk');
    throw notFound('the model file is missing on the server: an admin must upload it again');
  }
  return file;
}
