import {
  CryptoError,
  decryptStream,
  encryptStream,
  fromBase64url,
  getPublicKey,
  type Purpose,
  type StreamContext,
  secureRandom,
  toBase64url,
  unwrapKey,
  utf8,
  wrapKey,
} from '@llamenos/crypto';

/**
 * The sealed export files (the notes export, PROTOCOL.md "Notes export file"; a conversation's,
 * §10.3): one plaintext JSON header line that names the format, the export, the one reader and
 * the file key wrapped for them, then JSON lines encrypted as one STREAM ciphertext under that
 * file key. Both kinds are written and opened here a chunk at a time, so a large export is never
 * held whole; each caller writes and checks its own lines and says which of its problems a
 * failure is.
 */
export interface SealedExportKind {
  /** The header's `format` and `version`. */
  format: string;
  version: number;
  /** The record id the wrap and the stream are bound to. */
  recordId: (exportId: string) => string;
  purpose: Purpose;
}

/** The header line: public but for `wrap`, which only the reader can open. */
export interface SealedExportHeader {
  format: string;
  version: number;
  exportId: string;
  createdAt: string;
  /** x-only public key (hex) of the one reader: the admin who exported. */
  reader: string;
  /** base64url of the file key wrapped for `reader`. */
  wrap: string;
}

/** The header line is small; a first line longer than this is not an export file. */
const MAX_HEADER_BYTES = 8192;

/** The start of a file, where its header line must end. */
export const headerBytes = async (file: Blob): Promise<Uint8Array> =>
  new Uint8Array(await file.slice(0, MAX_HEADER_BYTES).arrayBuffer());

/** A JSON value as one line of an export. */
export const jsonLine = (value: unknown) => utf8(`${JSON.stringify(value)}\n`);

/**
 * Gathers a file's pieces into a Blob, folding them into it every few MiB so the browser may
 * keep the growing file out of the page's memory (Chromium moves large blobs to disk).
 */
class BlobAccumulator {
  private blob = new Blob([]);
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  push(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= 4 * 1024 * 1024) this.fold();
  }
  private fold(): void {
    this.blob = new Blob([this.blob, ...(this.pending as BlobPart[])]);
    this.pending = [];
    this.pendingBytes = 0;
  }
  finish(type: string): Blob {
    this.fold();
    return new Blob([this.blob], { type });
  }
}

/**
 * Seals an export for the holder of `secretKey` alone: a fresh file key, wrapped for that key
 * (the kind's wrap label), and what `writeContent` writes encrypted with the STREAM format (its
 * content label), both under the kind's record id. The ciphertext is gathered as it is sealed,
 * so neither the whole plaintext nor the whole ciphertext is built as one buffer. The file key
 * is wiped when done; a failure of `writeContent` aborts the file.
 */
export async function sealExportFile(
  kind: SealedExportKind,
  secretKey: Uint8Array,
  exportId: string,
  createdAt: string,
  writeContent: (write: (bytes: Uint8Array) => Promise<void>) => Promise<void>,
): Promise<Blob> {
  const recordId = kind.recordId(exportId);
  const fileKey = secureRandom(32);
  try {
    const reader = getPublicKey(secretKey);
    const header: SealedExportHeader = {
      format: kind.format,
      version: kind.version,
      exportId,
      createdAt,
      reader,
      wrap: toBase64url(wrapKey(fileKey, reader, { label: kind.purpose.wrap, recordId })),
    };
    const out = new BlobAccumulator();
    out.push(jsonLine(header));
    const sealer = encryptStream(fileKey, { label: kind.purpose.content, recordId });
    const drained = (async () => {
      const chunks = sealer.readable.getReader();
      for (;;) {
        const { done, value } = await chunks.read();
        if (done) return;
        out.push(value);
      }
    })();
    const writer = sealer.writable.getWriter();
    try {
      await writeContent((bytes) => writer.write(bytes));
      await writer.close();
    } catch (error) {
      await writer.abort(error).catch(() => undefined);
      await drained.catch(() => undefined);
      throw error;
    }
    await drained;
    return out.finish('application/octet-stream');
  } finally {
    fileKey.fill(0);
  }
}

/**
 * Opens the sealed part of an export (from byte `from` of `file`) with the reader's key: unwraps
 * the file key from the header's wrap and hands each non-empty line to `onLine` as it is
 * decrypted; the file key is wiped afterwards. A wrap that does not open, a chunk that does not
 * authenticate, or a file cut short throws CryptoError (only once the final chunk has
 * authenticated is the content whole: see sealedProblem); text that is not UTF-8 throws
 * TypeError; whatever `onLine` throws ends the reading.
 */
export async function openSealedLines(
  file: Blob,
  from: number,
  kind: SealedExportKind,
  header: { exportId: string; wrap: string },
  secretKey: Uint8Array,
  onLine: (line: string) => void,
): Promise<void> {
  const recordId = kind.recordId(header.exportId);
  const fileKey = unwrapKey(fromBase64url(header.wrap, 'wrap'), secretKey, {
    label: kind.purpose.wrap,
    recordId,
  });
  try {
    await eachSealedLine(file, from, fileKey, { label: kind.purpose.content, recordId }, onLine);
  } finally {
    fileKey.fill(0);
  }
}

/** What a CryptoError from openSealedLines means to the member; null for any other error. */
export function sealedProblem(error: unknown): 'truncated' | 'unsupported' | 'altered' | null {
  if (!(error instanceof CryptoError)) return null;
  if (error.code === 'TRUNCATED') return 'truncated';
  if (error.code === 'UNSUPPORTED_VERSION') return 'unsupported';
  return 'altered';
}

async function eachSealedLine(
  file: Blob,
  from: number,
  fileKey: Uint8Array,
  context: StreamContext,
  onLine: (line: string) => void,
): Promise<void> {
  const text = file
    .slice(from)
    .stream()
    .pipeThrough(decryptStream(fileKey, context))
    // A TextDecoderStream takes any BufferSource; the DOM types only lack that variance.
    .pipeThrough(
      new TextDecoderStream('utf-8', { fatal: true }) as unknown as TransformStream<Uint8Array, string>,
    );
  const reader = text.getReader();
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += value;
    let start = 0;
    for (let newline = rest.indexOf('\n'); newline >= 0; newline = rest.indexOf('\n', start)) {
      const line = rest.slice(start, newline);
      if (line.trim()) onLine(line);
      start = newline + 1;
    }
    rest = rest.slice(start);
  }
  if (rest.trim()) onLine(rest);
}
