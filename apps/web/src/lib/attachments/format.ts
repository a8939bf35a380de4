import { STREAM_VERSION, toBase64url } from '@llamenos/crypto';
import {
  attachmentRecordId,
  paddedLength,
  type ReportAttachmentMeta,
  streamChunkCount,
  UPLOAD_CHUNK_LOG2,
} from '@llamenos/protocol';

/**
 * An encrypted report attachment, byte for byte (PROTOCOL.md §10.2).
 *
 * Plaintext: the file's bytes, then zero bytes up to P = paddedLength(size) (at least 64 KiB,
 * then a multiple of 2^(floor(log2 size) − 3)), so the server learns the size only to within
 * 12.5 %. The exact size, name and MIME type travel inside the sealed report
 * (ReportAttachmentMeta), never to the server.
 *
 * Encryption: the §10 STREAM over XChaCha20-Poly1305 (packages/crypto StreamSealer) with
 *   key        a fresh random 32-byte file key, one per attachment
 *   header     0x01 || UPLOAD_CHUNK_LOG2 (22, so 4 MiB chunks) || 19 random bytes (nonce prefix)
 *   label      PURPOSES.attachment.content (LABEL_ATTACHMENT_STREAM)
 *   record id  attachmentRecordId(id) = "attachment:<attachment uuid>"
 * Chunk i (0-based) seals plaintext bytes [i·2^22, min((i+1)·2^22, P)); there are
 * N = streamChunkCount(P, 22) = ceil(P / 2^22) chunks, every one 2^22 + 16 bytes sealed but the
 * last (16..2^22 + 16), which alone carries the last flag.
 *
 * Key wraps: the file key is wrapped (ECIES wrapKey) with PURPOSES.attachment.wrap
 * (LABEL_ATTACHMENT_KEY_WRAP) and the same record id for every reader of the report
 * (GET /api/reports/:id/readers: the author and every current report admin).
 *
 * Upload: POST /api/reports/:reportId/attachments {id, header (base64url), chunkCount: N,
 * firstChunkSha256 (of sealed chunk 0), wraps}; then PUT /api/attachments/:id/chunks/i with sealed chunk i as the body
 * (application/octet-stream, NIP-98 payload tag = SHA-256 of those bytes), strictly in order.
 * The server's file is header || chunk 0 || … || chunk N−1: one §10 stream, served whole by
 * GET /api/attachments/:id/content and decrypted with decryptStream, then cut at `size`.
 *
 * Resume: GET /api/attachments/:id/upload gives `received` (chunks acknowledged) and the SHA-256
 * of sealed chunk received−1. The client re-reads the file, re-seals chunk received−1 with
 * StreamSealer.resume(key, header, ctx, received−1) and compares hashes before sending chunk
 * `received` on: the same bytes under the same key and nonce give the same ciphertext, while
 * other bytes would reuse a nonce, so another file is refused. With no chunk acknowledged the
 * client re-seals chunk 0 and compares it with `firstChunkSha256`, the hash it declared when it
 * opened the upload (chunk 0 is sealed before the POST): chunk 0 may have reached the server
 * without an answer, so the check is against a commitment, not against what was stored. Before
 * that, the file's fingerprint (fileFingerprint, the report's `head`) must match.
 */

export const CHUNK_LOG2 = UPLOAD_CHUNK_LOG2;
export const CHUNK_SIZE = 2 ** CHUNK_LOG2;
/** Poly1305 tag added to every sealed chunk. */
export const TAG_LENGTH = 16;

/** The shape of one attachment's stream, from the file's exact size. */
export interface StreamLayout {
  /** The file's exact size. */
  size: number;
  /** Plaintext length after padding. */
  padded: number;
  chunkSize: number;
  chunkCount: number;
}

export function layoutOf(size: number, chunkLog2: number = CHUNK_LOG2): StreamLayout {
  const padded = paddedLength(size);
  return { size, padded, chunkSize: 2 ** chunkLog2, chunkCount: streamChunkCount(padded, chunkLog2) };
}

/** Where chunk `index` lies in the padded plaintext: [start, end), and the part of it that is file. */
export function chunkRange(
  layout: StreamLayout,
  index: number,
): { start: number; end: number; fileEnd: number; last: boolean } {
  if (!Number.isSafeInteger(index) || index < 0 || index >= layout.chunkCount)
    throw new RangeError(`chunk ${index} is outside the stream (${layout.chunkCount} chunks)`);
  const start = index * layout.chunkSize;
  const end = Math.min(start + layout.chunkSize, layout.padded);
  return {
    start,
    end,
    fileEnd: Math.max(start, Math.min(end, layout.size)),
    last: index === layout.chunkCount - 1,
  };
}

/** A new stream header: version, chunk size, and a random 19-byte nonce prefix. */
export function newStreamHeader(chunkLog2: number = CHUNK_LOG2): Uint8Array {
  const header = new Uint8Array(21);
  header[0] = STREAM_VERSION;
  header[1] = chunkLog2;
  crypto.getRandomValues(header.subarray(2));
  return header;
}

export const streamContext = (attachmentId: string) => ({ recordId: attachmentRecordId(attachmentId) });

/** Lowercase hex of a SHA-256 (WebCrypto: fast, off the JavaScript heap). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** How much of a file its fingerprint reads: the first MiB (all of a smaller file). */
export const FINGERPRINT_BYTES = 1024 * 1024;

/**
 * A file's fingerprint (`ReportAttachmentMeta.head`, sealed in the report with its name and
 * size): the base64url SHA-256 of its first MiB. Read once when the report is filed, and again
 * when the file is chosen to resume an upload, so a file of the same size is told apart even
 * when no chunk was acknowledged yet (there is then no sealed chunk to re-seal and compare).
 */
export async function fileFingerprint(file: Pick<Blob, 'size' | 'slice'>): Promise<string> {
  const head = await file.slice(0, Math.min(file.size, FINGERPRINT_BYTES)).arrayBuffer();
  return toBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', head)));
}

/** 'other-file' when the report names a fingerprint and `file` does not have it; null otherwise. */
export async function fingerprintProblem(
  file: Pick<Blob, 'size' | 'slice'>,
  meta: Pick<ReportAttachmentMeta, 'head'>,
): Promise<'other-file' | null> {
  if (!meta.head) return null;
  return sameText(await fileFingerprint(file), meta.head) ? null : 'other-file';
}

/** Equal strings, compared in time that depends only on their length. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Whether a resumed upload may continue: the file re-chosen has the size the sealed report
 * names, fits the stream the server holds, and re-seals chunk received−1 to the hash the server
 * keeps (chunk 0 to the hash declared at the opening when nothing was acknowledged). Returns why
 * not, or null.
 */
export function resumeProblem(opts: {
  fileSize: number;
  metaSize: number;
  chunkCount: number;
  chunkLog2: number;
  received: number;
  resealedSha256: string | null;
  lastChunkSha256: string | null;
  /** The hash of sealed chunk 0 declared when the upload was opened (UploadStatus.firstChunkSha256). */
  firstChunkSha256?: string | null;
}): 'other-size' | 'other-stream' | 'other-file' | null {
  if (opts.fileSize !== opts.metaSize) return 'other-size';
  const layout = layoutOf(opts.fileSize, opts.chunkLog2);
  if (layout.chunkCount !== opts.chunkCount || opts.received > opts.chunkCount) return 'other-stream';
  // With nothing acknowledged, the re-sealed chunk is chunk 0 and its hash the declared one; an
  // upload opened without a declaration (another client) has only the size and fingerprint.
  const expected = opts.received === 0 ? (opts.firstChunkSha256 ?? null) : opts.lastChunkSha256;
  if (opts.received === 0 && !expected) return null;
  if (!expected || !opts.resealedSha256) return 'other-file';
  return sameText(opts.resealedSha256, expected.toLowerCase()) ? null : 'other-file';
}
