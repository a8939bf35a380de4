import { putModelChunk, startModelUpload } from '../api/index.js';
import { inspectWhisperModel, ModelFileError } from './model-file.js';

/**
 * The admin's model upload: the file is checked here first (a wrong or cut-short file is named
 * before any byte is sent), hashed (the SHA-256 the page shows, for the admin to compare with the
 * published one, is also the file's address on the server), then sent in order in chunks the
 * server accepts. Reading, hashing and the network are all asynchronous: the page stays responsive.
 */

const hex = (bytes: ArrayBuffer) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
export const sha256Hex = async (bytes: BufferSource) => hex(await crypto.subtle.digest('SHA-256', bytes));

/** The first bytes the check reads: the header, the mel filters and the vocabulary fit well within. */
const CHECK_BYTES = 4 * 1024 * 1024;

export interface ModelUploadProgress {
  phase: 'checking' | 'hashing' | 'uploading' | 'done';
  sentBytes: number;
  totalBytes: number;
  sha256: string | null;
}

/** Checks the header (and, for a file small enough to read at once, every tensor's size). */
export async function checkModelFile(file: Blob): Promise<void> {
  const whole = file.size <= CHECK_BYTES * 4;
  const bytes = new Uint8Array(await (whole ? file : file.slice(0, CHECK_BYTES)).arrayBuffer());
  try {
    inspectWhisperModel(bytes);
  } catch (e) {
    // Reading only the start, running out of bytes means nothing: the rest is checked by the server.
    if (!whole && e instanceof ModelFileError && e.problem === 'truncated') return;
    throw e;
  }
}

export async function uploadModel(
  file: File,
  onProgress: (progress: ModelUploadProgress) => void,
  signal?: AbortSignal,
): Promise<{ sha256: string }> {
  const totalBytes = file.size;
  onProgress({ phase: 'checking', sentBytes: 0, totalBytes, sha256: null });
  await checkModelFile(file);
  onProgress({ phase: 'hashing', sentBytes: 0, totalBytes, sha256: null });
  const sha256 = await sha256Hex(await file.arrayBuffer());
  onProgress({ phase: 'uploading', sentBytes: 0, totalBytes, sha256 });
  const upload = await startModelUpload({ name: file.name, size: totalBytes, sha256 });
  const { chunkBytes } = upload;
  // A retried start of the same file continues where the server stopped.
  let sent = upload.received;
  for (let index = sent / chunkBytes; sent < totalBytes; index++) {
    signal?.throwIfAborted();
    const chunk = new Uint8Array(await file.slice(sent, sent + chunkBytes).arrayBuffer());
    await putModelChunk(upload.id, index, chunk, await sha256Hex(chunk));
    sent += chunk.length;
    onProgress({ phase: 'uploading', sentBytes: sent, totalBytes, sha256 });
  }
  onProgress({ phase: 'done', sentBytes: totalBytes, totalBytes, sha256 });
  return { sha256 };
}
