import { decryptStream, type StreamContext } from '@llamenos/crypto';

/**
 * The sealed part of an export file (the notes export, PROTOCOL.md "Notes export file"; a
 * conversation's, §10.3): after the plaintext header line, JSON lines encrypted as one STREAM
 * ciphertext under the file key. Both are opened here a chunk at a time, so a large export is
 * never held whole, and each caller says which of its problems a failure is.
 */

/**
 * Hands each non-empty line of the sealed part (from byte `from` of `file`) to `onLine` as it is
 * decrypted. A chunk that does not authenticate, or a file cut short, throws CryptoError (only
 * once the final chunk has authenticated is the content whole); text that is not UTF-8 throws
 * TypeError; whatever `onLine` throws ends the reading.
 */
export async function eachSealedLine(
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
