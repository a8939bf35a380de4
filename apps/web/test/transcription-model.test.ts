/**
 * The model file check that runs before whisper.cpp sees a file: on the project's generated
 * random-weight model (scripts/make-whisper-test-model.mjs), its truncated and wrong-magic
 * variants, and hand-made broken headers. A wrong file must be named as such, not abort the engine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectWhisperModel, ModelFileError } from '../src/lib/transcription/model-file.js';

const script = fileURLToPath(new URL('../../../scripts/make-whisper-test-model.mjs', import.meta.url));
let dir = '';
const files: Record<'good' | 'english' | 'truncated' | 'wrongMagic', Uint8Array> = {} as never;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'llamenos-model-'));
  const make = (name: string, ...flags: string[]) => {
    const out = path.join(dir, name);
    execFileSync(process.execPath, [script, out, ...flags], { stdio: 'ignore' });
    return new Uint8Array(readFileSync(out));
  };
  files.good = make('good.bin');
  files.english = make('english.bin', '--english');
  files.truncated = make('truncated.bin', '--truncated');
  files.wrongMagic = make('wrong-magic.bin', '--wrong-magic');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemOf(bytes: Uint8Array): string {
  try {
    inspectWhisperModel(bytes);
    return 'none';
  } catch (e) {
    return e instanceof ModelFileError ? e.problem : 'other';
  }
}

describe('inspectWhisperModel', () => {
  it('reads the generated model: hyper-parameters, multilingual vocabulary, every tensor sized', () => {
    const info = inspectWhisperModel(files.good);
    expect(info).toMatchObject({ nVocab: 51865, nAudioState: 64, nMels: 80, ftype: 1, multilingual: true });
    expect(info.tensors).toBeGreaterThan(20);
    expect(inspectWhisperModel(files.english)).toMatchObject({ nVocab: 51864, multilingual: false });
  });

  it('names a file cut short anywhere as truncated', () => {
    expect(problemOf(files.truncated)).toBe('truncated');
    for (const at of [2, 20, 200, 40_000, files.good.length - 1])
      expect(problemOf(files.good.subarray(0, at))).toBe('truncated');
  });

  it('names a file that is not a whisper.cpp ggml model', () => {
    expect(problemOf(files.wrongMagic)).toBe('not-ggml');
    expect(problemOf(new TextEncoder().encode('<!doctype html><title>404</title>'))).toBe('not-ggml');
    const implausible = files.good.slice(0, 4096);
    new DataView(implausible.buffer).setInt32(4 + 9 * 4, 7, true); // n_mels = 7
    expect(problemOf(implausible)).toBe('implausible');
    const badVocab = files.good.slice();
    new DataView(badVocab.buffer).setInt32(4, 1234, true); // n_vocab = 1234
    expect(problemOf(badVocab)).toBe('implausible');
  });
});
