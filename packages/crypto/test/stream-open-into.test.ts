/**
 * StreamOpener.open with an output buffer (a download decrypting a large file in place): the
 * same plaintext as without one, written into the given bytes (the sealed chunk's own buffer
 * included), and a chunk that does not authenticate is refused before anything is written.
 */
import { describe, expect, it } from 'vitest';
import { StreamOpener, StreamSealer } from '../src/index.js';
import { codeOf } from './error-code.js';

const key = new Uint8Array(32).fill(9);
const ctx = { label: 'llamenos-test/stream', recordId: 'attachment:open-into' };
const LOG2 = 10;
const CHUNK = 2 ** LOG2;
const fileOf = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 17 + 3) & 0xff);

function sealed(): { header: Uint8Array; chunks: Uint8Array[]; file: Uint8Array } {
  const file = fileOf(CHUNK * 2 + 40);
  const sealer = new StreamSealer(key, ctx, LOG2);
  const chunks = [
    sealer.seal(file.subarray(0, CHUNK), false),
    sealer.seal(file.subarray(CHUNK, 2 * CHUNK), false),
    sealer.seal(file.subarray(2 * CHUNK), true),
  ];
  return { header: sealer.header, chunks, file };
}

describe('StreamOpener.open into a buffer', () => {
  it('writes the plaintext into a separate buffer, and in place into the sealed chunk', () => {
    const { header, chunks, file } = sealed();
    const opener = new StreamOpener(key, header, ctx);
    const out = new Uint8Array(CHUNK);
    expect(opener.open(chunks[0]!, false, out)).toBe(out);
    expect(out).toEqual(file.subarray(0, CHUNK));
    const second = chunks[1]!.slice();
    const inPlace = opener.open(second, false, second.subarray(0, CHUNK));
    expect(inPlace.buffer).toBe(second.buffer);
    expect(inPlace).toEqual(file.subarray(CHUNK, 2 * CHUNK));
    const last = chunks[2]!.slice();
    expect(opener.open(last, true, last.subarray(0, 40))).toEqual(file.subarray(2 * CHUNK));
    expect(codeOf(() => opener.finish())).toBe('accepted');
  });

  it('refuses an output of the wrong length, and leaves it untouched when the chunk is altered', () => {
    const { header, chunks } = sealed();
    const opener = new StreamOpener(key, header, ctx);
    expect(codeOf(() => opener.open(chunks[0]!, false, new Uint8Array(CHUNK - 1)))).toBe('MALFORMED');
    const altered = chunks[0]!.slice();
    altered[7]! ^= 1;
    const before = altered.slice();
    expect(codeOf(() => opener.open(altered, false, altered.subarray(0, CHUNK)))).toBe('DECRYPT_FAILED');
    expect(altered).toEqual(before);
  });
});
