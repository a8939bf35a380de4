/**
 * The committed single-threaded whisper.cpp build (apps/web/vendor/whisper-single-thread) is what
 * scripts/build-whisper-single-thread.sh recorded: every file's SHA-256 matches artifact.json, so
 * a hand-edited artifact, or glue changed without a rebuild, fails here. The licence travels with it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../vendor/whisper-single-thread/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir));
const artifact = JSON.parse(read('artifact.json').toString('utf8')) as {
  source: string;
  sourceIntegrity: string;
  emscripten: string;
  files: Record<string, string>;
};

/** unsigned LEB128 at `at`: [value, next offset]. */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
  }
}

/** The limit flags of each memory the module defines (0x01: min and max; 0x02/0x03: shared). */
function memoryLimitFlags(wasm: Uint8Array): number[] {
  expect(Buffer.from(wasm.subarray(0, 4)).toString('latin1')).toBe('\0asm');
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at] as number;
    const [size, body] = leb(wasm, at + 1);
    if (id === 5) {
      const [count, first] = leb(wasm, body);
      const flags: number[] = [];
      let next = first;
      for (let i = 0; i < count; i++) {
        const flag = wasm[next] as number;
        flags.push(flag);
        [, next] = leb(wasm, next + 1);
        if (flag & 1) [, next] = leb(wasm, next);
      }
      return flags;
    }
    at = body + size;
  }
  return [];
}

describe('the single-threaded whisper.cpp artifact', () => {
  it('records its pinned inputs', () => {
    expect(artifact.source).toMatch(/^nodejs-whisper@0\.3\.1 /);
    expect(artifact.sourceIntegrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(artifact.emscripten).toContain('3.1.6');
    expect(Object.keys(artifact.files).sort()).toEqual([
      'glue.cpp',
      'whisper-single-thread.js',
      'whisper-single-thread.wasm',
    ]);
  });

  it.each(Object.entries(artifact.files))('%s has the recorded SHA-256', (name, sha256) => {
    expect(createHash('sha256').update(read(name)).digest('hex')).toBe(sha256);
  });

  it('is a WebAssembly module whose memory is not shared (it must run where SharedArrayBuffer does not)', () => {
    expect(memoryLimitFlags(read('whisper-single-thread.wasm'))).toEqual([0x01]);
  });

  it('keeps whisper.cpp’s MIT licence next to the build', () => {
    expect(read('LICENSE-whisper.cpp').toString('utf8')).toMatch(/^MIT License/);
  });
});
