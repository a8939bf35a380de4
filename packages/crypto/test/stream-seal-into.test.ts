/**
 * StreamSealer.seal with an output buffer (an upload sealing a large file chunk by chunk in one
 * reused buffer): the same sealed bytes as without one, written into the given bytes, including
 * in place over the plaintext's own buffer.
 */
import { describe, expect, it } from 'vitest';
import { StreamSealer } from '../src/index.js';
import { codeOf } from './error-code.js';

const key = new Uint8Array(32).fill(7);
const ctx = { label: 'llamenos-test/stream', recordId: 'attachment:seal-into' };
const LOG2 = 10;
const CHUNK = 2 ** LOG2;
const fileOf = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 13 + 5) & 0xff);

describe('StreamSealer.seal into a buffer', () => {
  it('gives the same chunks into a separate buffer and in place over the plaintext', () => {
    const file = fileOf(CHUNK * 2 + 40);
    const plain = new StreamSealer(key, ctx, LOG2);
    const expected = [
      plain.seal(file.subarray(0, CHUNK), false),
      plain.seal(file.subarray(CHUNK, 2 * CHUNK), false),
      plain.seal(file.subarray(2 * CHUNK), true),
    ];
    const into = StreamSealer.resume(key, plain.header, ctx, 0);
    const out = new Uint8Array(CHUNK + 16);
    expect(into.seal(file.subarray(0, CHUNK), false, out)).toBe(out);
    expect(out).toEqual(expected[0]);
    // In place: the plaintext at the start of the buffer that receives the sealed chunk.
    const work = new Uint8Array(CHUNK + 16);
    work.set(file.subarray(CHUNK, 2 * CHUNK));
    const sealed = into.seal(work.subarray(0, CHUNK), false, work);
    expect(sealed.buffer).toBe(work.buffer);
    expect(sealed).toEqual(expected[1]);
    work.set(file.subarray(2 * CHUNK));
    expect(into.seal(work.subarray(0, 40), true, work.subarray(0, 56))).toEqual(expected[2]);
  });

  it('refuses an output of the wrong length', () => {
    const sealer = new StreamSealer(key, ctx, LOG2);
    expect(codeOf(() => sealer.seal(fileOf(CHUNK), false, new Uint8Array(CHUNK)))).toBe('MALFORMED');
  });
});
