/**
 * The attachment chunks' XChaCha20-Poly1305 (src/chunk-aead.ts, which authenticates a chunk
 * where it lies instead of copying it): every Wycheproof case, and noble's xchacha20poly1305
 * byte for byte on lengths around the MAC's 16-byte blocks and on a 4 MiB chunk, in place too.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hex } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { blocksInPlace, openChunk, sealChunk } from '../src/chunk-aead.js';
import { type WycheproofCase, wycheproof } from './wycheproof.js';

interface AeadCase extends WycheproofCase {
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
}

const { cases } = wycheproof<AeadCase>('xchacha20_poly1305_test.json');
const bytes = (h: string) => hex.decode(h.toLowerCase());
const fill = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

describe('chunk AEAD (XChaCha20-Poly1305)', () => {
  it("feeds the MAC in place with the pinned noble (else every chunk is copied again: an upload's memory grows)", () => {
    // If a noble upgrade fails this, sealing stays correct (through `update`) but the 4 MiB copy
    // per chunk is back: re-measure `npm run bench -- reports` before accepting it.
    expect(blocksInPlace).toBe(true);
  });

  it('seals and opens every valid Wycheproof case exactly, and refuses every invalid one', () => {
    let valid = 0;
    for (const c of cases) {
      const label = `tcId ${c.tcId} (${c.comment})`;
      const [key, nonce, aad, msg] = [bytes(c.key), bytes(c.iv), bytes(c.aad), bytes(c.msg)];
      const sealed = bytes(c.ct + c.tag);
      if (c.result === 'valid') {
        expect(hex.encode(sealChunk(key, nonce, aad, msg)), label).toBe(hex.encode(sealed));
        expect(hex.encode(openChunk(key, nonce, aad, sealed) ?? new Uint8Array()), label).toBe(c.msg);
        valid++;
      } else {
        let opened: Uint8Array | null = null;
        try {
          opened = openChunk(key, nonce, aad, sealed);
        } catch {
          // a malformed nonce is refused by throwing
        }
        expect(opened, label).toBeNull();
      }
    }
    expect(valid).toBe(246);
  });

  it("agrees with noble's xchacha20poly1305 on every length around a block, into a buffer and in place", () => {
    const key = fill(32, 1);
    const nonce = fill(24, 2);
    for (const aadLength of [0, 1, 15, 16, 17, 51]) {
      const aad = fill(aadLength, 3);
      for (const length of [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 4095, 4096, 4097]) {
        const plain = fill(length, length);
        const expected = xchacha20poly1305(key, nonce, aad).encrypt(plain);
        expect(sealChunk(key, nonce, aad, plain)).toEqual(expected);
        const work = new Uint8Array(length + 16);
        work.set(plain);
        expect(sealChunk(key, nonce, aad, work.subarray(0, length), work)).toBe(work);
        expect(work).toEqual(expected);
        expect(openChunk(key, nonce, aad, work, work.subarray(0, length))).toEqual(plain);
      }
    }
  });

  it('agrees with noble on a whole 4 MiB upload chunk and a last chunk with a tail', () => {
    const key = fill(32, 9);
    const nonce = fill(24, 8);
    const aad = fill(60, 7);
    // Compared as Buffers: the test runner's deep equality takes minutes on megabytes.
    const same = (a: Uint8Array | null, b: Uint8Array) =>
      a !== null && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
    for (const length of [4 * 1024 * 1024, 1024 * 1024 + 3]) {
      const plain = new Uint8Array(length);
      for (let i = 0; i < length; i++) plain[i] = (i * 31 + 6) & 0xff;
      const sealed = sealChunk(key, nonce, aad, plain);
      expect(same(sealed, xchacha20poly1305(key, nonce, aad).encrypt(plain))).toBe(true);
      expect(same(openChunk(key, nonce, aad, sealed), plain)).toBe(true);
    }
  });

  it('refuses a changed byte, tag, AAD or nonce, and writes nothing then', () => {
    const key = fill(32, 4);
    const nonce = fill(24, 5);
    const aad = fill(20, 6);
    const sealed = sealChunk(key, nonce, aad, fill(100, 7));
    const output = new Uint8Array(100).fill(0xee);
    for (const at of [0, 50, 99, 100, 115]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      expect(openChunk(key, nonce, aad, bad, output), `byte ${at}`).toBeNull();
    }
    expect(openChunk(key, nonce, fill(20, 9), sealed, output)).toBeNull();
    expect(openChunk(key, fill(24, 1), aad, sealed, output)).toBeNull();
    expect(openChunk(key, nonce, aad, sealed.subarray(0, 15))).toBeNull();
    expect(output.every((b) => b === 0xee)).toBe(true);
  });

  it('refuses an output of the wrong length', () => {
    const key = fill(32, 4);
    const nonce = fill(24, 5);
    expect(() => sealChunk(key, nonce, new Uint8Array(), fill(10, 1), new Uint8Array(10))).toThrow();
    const sealed = sealChunk(key, nonce, new Uint8Array(), fill(10, 1));
    expect(() => openChunk(key, nonce, new Uint8Array(), sealed, new Uint8Array(11))).toThrow();
  });
});
