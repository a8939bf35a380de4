import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { appendAtOffset } from '../blobs/store.js';
import type { ServerContext } from '../http/context.js';

/**
 * The model files on disk: `<blobDir>/models/<sha256>` (DATA_DIR/blobs/models), named by their
 * content, so a file never changes under a name and clients may cache it forever. An upload
 * grows `.part-<uploadId>` chunk by chunk (each fsynced before the database records it) and is
 * renamed to its SHA-256 once checked. Names are checked before any path is built.
 */

const SHA256 = /^[0-9a-f]{64}$/;
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A partial file is missing or shorter than what was acknowledged. */
export class ModelPartialLostError extends Error {
  override readonly name = 'ModelPartialLostError';
}

export const modelDir = (ctx: ServerContext): string => path.join(ctx.config.blobDir, 'models');

function modelFile(ctx: ServerContext, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error('not a SHA-256');
  return path.join(modelDir(ctx), sha256);
}

export function partialModelFile(ctx: ServerContext, uploadId: string): string {
  if (!UPLOAD_ID.test(uploadId)) throw new Error('not an upload id');
  return path.join(modelDir(ctx), `.part-${uploadId}`);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates the empty partial file of a new upload. */
export async function createPartialModel(ctx: ServerContext, uploadId: string): Promise<void> {
  await mkdir(modelDir(ctx), { recursive: true, mode: 0o700 });
  const handle = await open(partialModelFile(ctx, uploadId), 'wx', 0o600);
  await handle.close();
}

/**
 * Writes `bytes` at `offset` and fsyncs. Bytes past `offset` (a chunk written but never
 * recorded, before a crash) are cut first; a file shorter than `offset` lost acknowledged data.
 */
export async function appendPartialModel(
  ctx: ServerContext,
  uploadId: string,
  offset: number,
  bytes: Uint8Array,
): Promise<void> {
  await appendAtOffset(partialModelFile(ctx, uploadId), offset, bytes, {
    name: 'partial model file',
    lost: (problem) => new ModelPartialLostError(problem),
  });
}

/** SHA-256 of a partial file, read as a stream (a model of gigabytes never sits in memory). */
export async function hashPartialModel(ctx: ServerContext, uploadId: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(partialModelFile(ctx, uploadId)), hash);
  return hash.digest('hex');
}

/** Renames a checked partial file to its content address; an existing copy of the same content is kept. */
export async function promotePartialModel(
  ctx: ServerContext,
  uploadId: string,
  sha256: string,
): Promise<void> {
  await rename(partialModelFile(ctx, uploadId), modelFile(ctx, sha256));
  await syncDir(modelDir(ctx));
}

export async function removePartialModel(ctx: ServerContext, uploadId: string): Promise<void> {
  await rm(partialModelFile(ctx, uploadId), { force: true });
}

export async function removeModelFile(ctx: ServerContext, sha256: string): Promise<void> {
  await rm(modelFile(ctx, sha256), { force: true });
  await syncDir(modelDir(ctx)).catch(() => {});
}

/** A model file on disk: its size, and a stream of all or part of it (`end` inclusive). */
export interface ModelFileHandle {
  size: number;
  stream(range?: { start: number; end: number }): ReadableStream<Uint8Array>;
}

/** The model file, or null when it is not on disk; nothing is opened until a stream is asked for. */
export async function openModelFile(ctx: ServerContext, sha256: string): Promise<ModelFileHandle | null> {
  const file = modelFile(ctx, sha256);
  const found = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!found) return null;
  return {
    size: found.size,
    stream: (range) =>
      Readable.toWeb(createReadStream(file, range ?? {})) as unknown as ReadableStream<Uint8Array>,
  };
}
