import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ServerContext } from '../http/context.js';

/**
 * The attachment store: opaque encrypted files (the server never holds a key to them) under
 * `config.blobDir` (DATA_DIR/blobs), each named by a random id. A file is written through a
 * temporary name, fsynced, renamed into place and its directory fsynced, so a crash leaves either
 * the whole file or none; reads are streams. Ids are 32 lowercase hex characters and are checked
 * before any path is built, so no id can name a file outside the store.
 */

const ID = /^[0-9a-f]{32}$/;
const TEMP_PREFIX = '.tmp-';

class BlobIdError extends Error {
  override readonly name = 'BlobIdError';
}

class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';
}

const isBlobId = (id: string): boolean => ID.test(id);

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

/** The server's attachment store. */
export const blobStore = (ctx: ServerContext): BlobStore => new BlobStore(ctx.config.blobDir);
