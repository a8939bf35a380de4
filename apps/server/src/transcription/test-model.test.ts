import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker as NodeWorker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeWhisperTestModel,
  whisperTensorTable,
  whisperTestModelParams,
} from '../../../../scripts/make-whisper-test-model.mjs';
import { expectedTensorNames, inspectWhisperModel, WhisperModelFormatError } from './ggml-model.js';

/**
 * The generated test model (scripts/make-whisper-test-model.mjs): its bytes follow the legacy
 * ggml layout exactly, the server's checker reads it back, and the real whisper.cpp build the
 * web app uses (@transcribe/shout) loads it and runs whisper_full on it in Node.
 */

let dir: string;
const files: Record<'model' | 'english' | 'truncated' | 'wrongMagic', string> = {
  model: '',
  english: '',
  truncated: '',
  wrongMagic: '',
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'llamenos-whisper-model-'));
  const write = async (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    return file;
  };
  files.model = await write('model.bin', makeWhisperTestModel({ seed: 3 }));
  files.english = await write('model.en.bin', makeWhisperTestModel({ seed: 3, english: true }));
  files.truncated = await write('truncated.bin', makeWhisperTestModel({ seed: 3, broken: 'truncated' }));
  files.wrongMagic = await write('gguf.bin', makeWhisperTestModel({ seed: 3, broken: 'wrong-magic' }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the generated whisper test model', () => {
  it('is the same bytes for the same seed, and different bytes for another seed', () => {
    // A narrow model (width 8) keeps this quick; the width changes no rule of the format.
    const sha = (seed: number) =>
      createHash('sha256')
        .update(makeWhisperTestModel({ seed, state: 8, heads: 1 }))
        .digest('hex');
    expect(sha(9)).toBe(sha(9));
    expect(sha(9)).not.toBe(sha(10));
  });

  it('starts with the ggml magic and the eleven hyper-parameters, then an 80 × 201 mel filter bank', async () => {
    const bytes = await readFile(files.model);
    expect(bytes.readUInt32LE(0)).toBe(0x67676d6c);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('lmgg');
    const hp = Array.from({ length: 11 }, (_, i) => bytes.readInt32LE(4 + 4 * i));
    expect(hp).toEqual([51_865, 1500, 64, 2, 1, 448, 64, 2, 1, 80, 1]);
    expect([bytes.readInt32LE(48), bytes.readInt32LE(52)]).toEqual([80, 201]);
    // The filters are a probability-like bank: non-negative and not all zero.
    const filters = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + 56, bytes.byteOffset + 56 + 80 * 201 * 4),
    );
    expect(filters.every((v) => v >= 0)).toBe(true);
    expect(filters.some((v) => v > 0)).toBe(true);
    // The vocabulary follows: its count, then the first token ("!") as length + bytes.
    const vocabAt = 56 + 80 * 201 * 4;
    expect(bytes.readInt32LE(vocabAt)).toBe(50_257);
    expect(bytes.readUInt32LE(vocabAt + 4)).toBe(1);
    expect(bytes.toString('utf8', vocabAt + 8, vocabAt + 9)).toBe('!');
  });

  it('holds every tensor whisper.cpp expects, 2-D weights in F16 and the rest in F32, up to the last byte', async () => {
    const summary = await inspectWhisperModel(files.model);
    const hp = whisperTestModelParams();
    expect(summary.hparams).toEqual(hp);
    expect(summary.multilingual).toBe(true);
    expect(summary.vocabularyTokens).toBe(50_257);
    // 11 global tensors, 15 per encoder block, 24 per decoder block.
    expect(summary.tensors).toHaveLength(11 + 15 + 24);
    expect(new Set(summary.tensors.map((t) => t.name))).toEqual(
      new Set(expectedTensorNames(summary.hparams)),
    );
    const byName = new Map(summary.tensors.map((t) => [t.name, t]));
    for (const t of whisperTensorTable(hp)) expect(byName.get(t.name)?.dims).toEqual(t.dims);
    const typeOf = (name: string) => byName.get(name)?.type;
    expect(typeOf('decoder.token_embedding.weight')).toBe(1);
    expect(byName.get('decoder.token_embedding.weight')?.dims).toEqual([64, 51_865]);
    expect(typeOf('encoder.blocks.0.attn.query.weight')).toBe(1);
    expect(typeOf('decoder.blocks.0.cross_attn.out.weight')).toBe(1);
    expect(typeOf('encoder.conv1.weight')).toBe(1);
    expect(typeOf('encoder.conv1.bias')).toBe(0);
    expect(byName.get('encoder.conv1.bias')?.dims).toEqual([1, 64]);
    expect(typeOf('encoder.positional_embedding')).toBe(0);
    expect(typeOf('decoder.ln.weight')).toBe(0);
    const last = summary.tensors[summary.tensors.length - 1];
    expect(last && last.offset + last.bytes).toBe((await stat(files.model)).size);
  });

  it('has an English-only variant (n_vocab 51864) that whisper.cpp treats as such', async () => {
    const summary = await inspectWhisperModel(files.english);
    expect(summary.hparams.n_vocab).toBe(51_864);
    expect(summary.multilingual).toBe(false);
    expect(summary.vocabularyTokens).toBe(50_256);
  });

  it('has a truncated and a wrong-magic variant that the checker refuses with a clear reason', async () => {
    await expect(inspectWhisperModel(files.truncated)).rejects.toThrow(
      /^the file ends early \(in the data of tensor/,
    );
    await expect(inspectWhisperModel(files.wrongMagic)).rejects.toThrow(
      /^this is not a whisper.cpp ggml model: it is a GGUF file/,
    );
    await expect(inspectWhisperModel(files.wrongMagic)).rejects.toBeInstanceOf(WhisperModelFormatError);
  });
});

// ---------------------------------------------------------------------------------------------
// The real engine: whisper.cpp compiled to WebAssembly, as the browser runs it

/**
 * @transcribe/shout is built for browsers: its threads are Web Workers named "em-pthread". In
 * Node a worker_threads worker stands in for them, with the few globals the build looks for.
 */
const PTHREAD_BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
globalThis.navigator ??= { hardwareConcurrency: 2 };
globalThis.self = globalThis;
globalThis.WorkerGlobalScope = class {};
globalThis.name = workerData.name;
globalThis.postMessage = (data, transfer) => parentPort.postMessage(data, transfer);
const early = [];
parentPort.on('message', (data) => (globalThis.onmessage ? globalThis.onmessage({ data }) : early.push(data)));
import(workerData.url).then(() => { for (const data of early.splice(0)) globalThis.onmessage?.({ data }); });
`;

class PthreadWorker {
  private readonly worker: NodeWorker;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((error: unknown) => void) | null = null;
  constructor(url: URL | string, options?: { name?: string }) {
    this.worker = new NodeWorker(PTHREAD_BOOT, {
      eval: true,
      workerData: { url: String(url), name: options?.name ?? '' },
    });
    this.worker.on('message', (data) => this.onmessage?.({ data }));
    this.worker.on('error', (error) => this.onerror?.(error));
  }
  postMessage(data: unknown, transfer?: readonly Transferable[]) {
    this.worker.postMessage(data, transfer as never);
  }
  terminate() {
    return this.worker.terminate();
  }
  unref() {
    this.worker.unref();
  }
  ref() {
    this.worker.ref();
  }
}

interface ShoutModule {
  FS_createDataFile(
    parent: string,
    name: string,
    data: Uint8Array,
    read: boolean,
    write: boolean,
    own: boolean,
  ): void;
  init(path: string, dtw: string): void;
  transcribe(
    audio: Float32Array,
    language: string,
    threads: number,
    translate: boolean,
    maxLength: number,
    splitOnWord: boolean,
    suppressNonSpeech: boolean,
    tokenTimestamps: boolean,
  ): number;
  free(): void;
}

interface ShoutResult {
  result: { language: string };
  transcription: { offsets: { from: number; to: number }; text: string }[];
}

describe('the generated model in whisper.cpp (@transcribe/shout 1.0.7, WebAssembly, in Node)', () => {
  const globals = globalThis as unknown as Record<string, unknown>;
  const saved = { Worker: globals.Worker, navigator: globals.navigator };
  let createModule: (options: object) => Promise<ShoutModule>;

  beforeAll(async () => {
    globals.Worker = PthreadWorker;
    globals.navigator ??= { hardwareConcurrency: 2 };
    // Resolved from the web app's dependency; the file is an ES module meant for browsers.
    const entry = createRequire(path.resolve('apps/web/package.json')).resolve('@transcribe/shout');
    createModule = (await import(pathToFileURL(entry).href)).default;
  });
  afterAll(() => {
    globals.Worker = saved.Worker;
    if (saved.navigator === undefined) delete globals.navigator;
  });

  /** A fresh engine with `file` loaded; the log lines whisper.cpp printed while loading it. */
  async function load(file: string, handlers: object = {}) {
    const log: string[] = [];
    const shout = await createModule({
      print: (s: string) => log.push(s),
      printErr: (s: string) => log.push(s),
      // The engine's threads call these by name; every one must exist.
      onProgress: () => {},
      onNewSegment: () => {},
      onCanceled: () => {},
      onTranscribed: () => {},
      ...handlers,
    });
    shout.FS_createDataFile('/', 'model.bin', await readFile(file), true, false, false);
    shout.init('/model.bin', '');
    return { shout, log };
  }

  it('loads the model: every tensor, the multilingual vocabulary', async () => {
    const { log } = await load(files.model);
    const text = log.join('\n');
    expect(text).not.toMatch(/failed to load model/);
    expect(text).toMatch(/n_vocab\s+= 51865/);
    expect(text).toMatch(/n_langs\s+= 99/);
    expect(text).toMatch(/model size\s+=/);
  });

  it('refuses the truncated and the wrong-magic files', async () => {
    expect((await load(files.truncated)).log.join('\n')).toMatch(
      /not all tensors loaded[\s\S]*failed to load model/,
    );
    expect((await load(files.wrongMagic)).log.join('\n')).toMatch(/bad magic[\s\S]*failed to load model/);
  });

  it('transcribes a second of audio through whisper_full (gibberish text, real segments)', async () => {
    let done: (result: ShoutResult) => void = () => {};
    const transcribed = new Promise<ShoutResult>((resolve) => {
      done = resolve;
    });
    const { shout } = await load(files.english, { onTranscribed: (result: ShoutResult) => done(result) });
    const audio = new Float32Array(16_000);
    for (let i = 0; i < audio.length; i++) audio[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16_000);
    expect(shout.transcribe(audio, 'en', 1, false, 0, false, false, false)).toBe(0);
    const result = await transcribed;
    expect(result.result.language).toBe('en');
    expect(result.transcription.length).toBeGreaterThan(0);
    expect(typeof result.transcription[0]?.text).toBe('string');
  }, 60_000);
});
