/**
 * A resumed upload seals the rest of a file with StreamSealer.resume: the same key, header and
 * nonce prefix, starting at chunk N. Its chunks must be byte-for-byte those a single sealer
 * would have made from N on, so the server's file is one valid stream whatever was interrupted.
 */
import { describe, expect, it } from 'vitest';
import { decryptBuffer, STREAM_HEADER_LENGTH, StreamSealer } from '../src/index.js';
import { codeOf } from './error-code.js';

const key = new Uint8Array(32).fill(7);
const ctx = { label: 'llamenos-test/stream', recordId: 'attachment:resume' };
const LOG2 = 10;
const CHUNK = 2 ** LOG2;

/** Deterministic bytes so a failure is reproducible. */
const fileOf = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);

function sealAll(sealer: StreamSealer, file: Uint8Array, from = 0): Uint8Array[] {
  const count = Math.max(1, Math.ceil(file.length / CHUNK));
  const out: Uint8Array[] = [];
  for (let i = from; i < count; i++)
    out.push(sealer.seal(file.subarray(i * CHUNK, (i + 1) * CHUNK), i === count - 1));
  return out;
}

describe('StreamSealer.resume', () => {
  const file = fileOf(CHUNK * 5 + 100);
  const fresh = new StreamSealer(key, ctx, LOG2);
  const reference = sealAll(fresh, file);

  for (const from of [0, 1, 3, 5]) {
    it(`from chunk ${from} seals what a fresh sealer sealed from there on`, () => {
      const resumed = StreamSealer.resume(key, fresh.header, ctx, from);
      expect(resumed.header).toEqual(fresh.header);
      expect(resumed.chunkSize).toBe(CHUNK);
      expect(resumed.nextChunk).toBe(from);
      expect(sealAll(resumed, file, from)).toEqual(reference.slice(from));
    });
  }

  it('a file sealed in two sittings decrypts as one stream', () => {
    const first = new StreamSealer(key, ctx, LOG2);
    const head = sealAll(first, file).slice(0, 2);
    const rest = sealAll(StreamSealer.resume(key, first.header, ctx, 2), file, 2);
    const parts = [first.header, ...head, ...rest];
    const blob = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      blob.set(p, offset);
      offset += p.length;
    }
    expect(decryptBuffer(key, blob, ctx)).toEqual(file);
  });

  it('the same chunk under another position or key differs (the counter is in the nonce)', () => {
    const at2 = StreamSealer.resume(key, fresh.header, ctx, 2).seal(file.subarray(0, CHUNK), false);
    expect(at2).not.toEqual(reference[0]);
    const otherKey = StreamSealer.resume(new Uint8Array(32).fill(8), fresh.header, ctx, 0);
    expect(otherKey.seal(file.subarray(0, CHUNK), false)).not.toEqual(reference[0]);
  });

  it('refuses a bad header or counter', () => {
    expect(codeOf(() => StreamSealer.resume(key, fresh.header.subarray(0, 20), ctx, 0))).toBe('MALFORMED');
    expect(
      codeOf(() => StreamSealer.resume(key, new Uint8Array([2, ...fresh.header.subarray(1)]), ctx, 0)),
    ).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => StreamSealer.resume(key, fresh.header, ctx, -1))).toBe('MALFORMED');
    expect(codeOf(() => StreamSealer.resume(key, fresh.header, ctx, 1.5))).toBe('MALFORMED');
    expect(codeOf(() => StreamSealer.resume(key, fresh.header, ctx, 2 ** 32))).toBe('MALFORMED');
    expect(codeOf(() => StreamSealer.resume(new Uint8Array(16), fresh.header, ctx, 0))).toBe('INVALID_KEY');
    expect(fresh.header.length).toBe(STREAM_HEADER_LENGTH);
  });
});
