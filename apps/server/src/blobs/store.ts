import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ServerContext } from '../http/context.js';

/**
 * The attachment store: opaque encrypted files (the server never holds a key to them) under
 * `config.blobDir` (DATA_DIR/blobs), each named by a random id. A file is written through a
 * temporary name, fsynced, renamed into place and its directory fsynced, so a crash leaves either
 * the whole file or none; reads are streams. Ids are 32 lowercase hex characters and are checked
 * before any path is built, so no id can name a file outside the store.
 *
 * A chunked upload (attachments) grows a partial file instead: `.part-<id>`, appended to at an
 * offset its caller keeps in the database, fsynced before the caller records the chunk, and
 * renamed to a blob when complete. A partial file is never served: only `read` serves, and it
 * takes blob ids, which never start with a dot.
 */

const ID = /^[0-9a-f]{32}$/;
const TEMP_PREFIX = '.tmp-';
const PARTIAL_PREFIX = '.part-';

class BlobIdError extends Error {
  override readonly name = 'BlobIdError';
}

class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';
}

/** A partial upload's file is gone or shorter than what was acknowledged (a disk lost data). */
export class BlobPartialLostError extends Error {
  override readonly name = 'BlobPartialLostError';
}

const isBlobId = (id: string): boolean => ID.test(id);

/** True for the errors of a full disk or an exhausted quota. */
export const isStorageFull = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
};

export type FileHandle = Awaited<ReturnType<typeof open>>;

async function writeAll(handle: FileHandle, bytes: Uint8Array, position = 0): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset);
    offset += bytesWritten;
  }
}

/**
 * Writes `bytes` at `offset` of a partial file and fsyncs it: a chunk of an upload that grows a
 * file on disk (a blob's, or the transcription model's). Bytes beyond `offset` (a chunk written
 * before a crash or a failed request, never recorded) are cut first. A file missing or shorter
 * than `offset` lost acknowledged data: that throws `lost(problem)`. On any failure (the disk
 * full) the file is cut back to `offset`, so nothing of the chunk is kept.
 */
export async function appendAtOffset(
  file: string,
  offset: number,
  bytes: Uint8Array,
  how: {
    /** What the file is called in the problem ("partial file"). */
    name: string;
    lost: (problem: string) => Error;
    writeAt?: (handle: FileHandle, position: number) => Promise<void>;
  },
): Promise<void> {
  const handle = await open(file, 'r+').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw how.lost(`the ${how.name} is missing`);
    throw error;
  });
  try {
    const { size } = await handle.stat();
    if (size < offset) throw how.lost(`the ${how.name} holds ${size} of ${offset} bytes`);
    try {
      if (size > offset) await handle.truncate(offset);
      await (how.writeAt ?? ((h, position) => writeAll(h, bytes, position)))(handle, offset);
      await handle.sync();
    } catch (error) {
      await handle.truncate(offset).catch(() => {});
      throw error;
    }
  } finally {
    await handle.close();
  }
}

export class BlobStore {
  constructor(readonly dir: string) {}

  private file(id: string): string {
    if (!isBlobId(id)) throw new BlobIdError('not a blob id');
    return path.join(this.dir, id);
  }

  /** Where a blob lives on disk (tests and tools). */
  pathOf(id: string): string {
    return this.file(id);
  }

  /**
   * Writes `source` to a new blob, chunk by chunk (memory stays at one chunk), and returns its id
   * and size. On any failure (the source errors, the disk fills, `maxBytes` is passed) nothing
   * is left behind.
   */
  async write(source: ReadableStream<Uint8Array>, maxBytes = Number.POSITIVE_INFINITY) {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const id = randomBytes(16).toString('hex');
    const temp = path.join(this.dir, `${TEMP_PREFIX}${id}`);
    const handle = await open(temp, 'wx', 0o600);
    let size = 0;
    try {
      try {
        const reader = source.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            size += value.length;
            if (size > maxBytes) throw new BlobTooLargeError(`file is above ${maxBytes} bytes`);
            let offset = 0;
            while (offset < value.length) {
              const { bytesWritten } = await handle.write(value, offset, value.length - offset);
              offset += bytesWritten;
            }
          }
        } catch (error) {
          await reader.cancel(error).catch(() => {});
          throw error;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file(id));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await this.syncDir();
    return { id, size };
  }

  /** The blob's bytes as a stream; null when there is no such blob. */
  async read(id: string): Promise<{ size: number; stream: ReadableStream<Uint8Array> } | null> {
    const file = this.file(id);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const stream = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
    return { size, stream };
  }

  private partialFile(partialId: string): string {
    if (!isBlobId(partialId)) throw new BlobIdError('not a partial file id');
    return path.join(this.dir, `${PARTIAL_PREFIX}${partialId}`);
  }

  /** Starts a partial file holding `head` (a stream's header), fsynced; returns its id. */
  async createPartial(head: Uint8Array): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const partialId = randomBytes(16).toString('hex');
    const file = this.partialFile(partialId);
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await writeAll(handle, head);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    await this.syncDir();
    return partialId;
  }

  /** The partial file's length, or null when it is missing. */
  async partialSize(partialId: string): Promise<number | null> {
    try {
      return (await stat(this.partialFile(partialId))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Writes a chunk at `offset` of a partial file (appendAtOffset); lost data throws BlobPartialLostError. */
  async appendPartial(partialId: string, offset: number, bytes: Uint8Array): Promise<void> {
    await appendAtOffset(this.partialFile(partialId), offset, bytes, {
      name: 'partial file',
      lost: (problem) => new BlobPartialLostError(problem),
      writeAt: (handle, position) => this.writeAt(handle, bytes, position),
    });
  }

  /** Writes bytes at a position; a test's store overrides it to fill the disk half way. */
  protected async writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
    await writeAll(handle, bytes, position);
  }

  /**
   * Turns a complete partial file into a blob, atomically; the blob keeps the partial file's id,
   * so a call repeated after a crash finds the rename already done.
   */
  async completePartial(partialId: string): Promise<{ id: string; size: number }> {
    const from = this.partialFile(partialId);
    const to = this.file(partialId);
    try {
      await rename(from, to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const done = await stat(to).catch(() => null);
      if (!done) throw new BlobPartialLostError('the partial file is missing');
      return { id: partialId, size: done.size };
    }
    await this.syncDir();
    return { id: partialId, size: (await stat(to)).size };
  }

  /** Every partial file with when it last changed (for the sweep of ones no upload names). */
  async partials(): Promise<{ id: string; modifiedAt: Date }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const found: { id: string; modifiedAt: Date }[] = [];
    for (const name of names) {
      const id = name.slice(PARTIAL_PREFIX.length);
      if (!name.startsWith(PARTIAL_PREFIX) || !isBlobId(id)) continue;
      const info = await stat(path.join(this.dir, name)).catch(() => null);
      if (info) found.push({ id, modifiedAt: info.mtime });
    }
    return found;
  }

  /** Deletes a partial file; deleting a missing one is not an error. */
  async removePartial(partialId: string): Promise<void> {
    await rm(this.partialFile(partialId), { force: true });
    await this.syncDir().catch(() => {});
  }

  /** Deletes a blob; deleting a missing one is not an error. */
  async remove(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
    await this.syncDir().catch(() => {});
  }

  private async syncDir(): Promise<void> {
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** The server's attachment store (the context's, so a test can hand in one whose disk is full). */
export const blobStore = (ctx: ServerContext): BlobStore => ctx.blobs;
