/// <reference lib="webworker" />
import createModule from '@transcribe/shout';
import { TranscriptionError } from './errors.js';
import { downloadModel } from './model-download.js';
import { inspectWhisperModel, ModelFileError, type WhisperModelInfo } from './model-file.js';
import type { EngineAudio, EngineResult, EngineSegment, TranscribeRequest, WorkerReply } from './protocol.js';
import { toWhisperInput, WHISPER_SAMPLE_RATE } from './resample.js';
import { decodeWav } from './wav.js';

/**
 * The whisper.cpp engine (WebAssembly, @transcribe/shout) in a module worker. The same script
 * is also each of whisper.cpp's threads: the package starts a thread as a worker of the main
 * script named "em-pthread…", and importing it runs the thread's side; this file's own code
 * then stays out of the way. All heavy work (model hashing, WAV decoding, resampling,
 * whisper_full) happens here, so the page's thread stays responsive.
 */

declare const self: DedicatedWorkerGlobalScope;
const isEngineThread = self.name.startsWith('em-pthread');

/** Cache Storage bucket of verified model files (they are public and immutable). */
const MODEL_CACHE = 'llamenos-whisper-models';
/** No word from whisper.cpp for this long means it is stuck (e.g. a result it could not report). */
const STALL_MS = 180_000;

// biome-ignore lint/suspicious/noExplicitAny: the emscripten module is untyped
type ShoutModule = any;

interface Engine {
  module: ShoutModule;
  loaded: { sha256: string; path: string; info: WhisperModelInfo } | null;
  lastError: string;
}
let engine: Engine | null = null;
/** The transcription in progress: whisper.cpp's callbacks report to it. */
let current: {
  job: number;
  resolve: (result: unknown) => void;
  reject: (e: unknown) => void;
  touch: () => void;
  segment: () => void;
} | null = null;

const reply = (message: WorkerReply) => self.postMessage(message);

function fail(job: number, e: unknown): void {
  const error =
    e instanceof TranscriptionError
      ? e
      : new TranscriptionError('engine-crashed', String((e as Error)?.message ?? e));
  reply({ type: 'error', job, code: error.code, detail: error.detail.slice(0, 300) });
}

const toHex = (bytes: ArrayBuffer) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The model from the cache, or downloaded from our origin; kept only once its SHA-256 matches. */
async function modelBytes(sha256: string, url: string): Promise<Uint8Array> {
  const cache = typeof caches === 'undefined' ? null : await caches.open(MODEL_CACHE).catch(() => null);
  const cached = (await cache?.match(url)) ?? null;
  const fromCache = cached !== null;
  // A download cut halfway resumes where it stopped (model-download.ts).
  const bytes = cached ? new Uint8Array(await cached.arrayBuffer()) : await downloadModel(url, sha256);
  const digest = toHex(await crypto.subtle.digest('SHA-256', bytes));
  if (digest !== sha256) {
    if (fromCache) await cache?.delete(url);
    throw new TranscriptionError(
      'model-hash',
      `expected ${sha256.slice(0, 12)}…, got ${digest.slice(0, 12)}…`,
    );
  }
  if (cache && !fromCache) {
    await cache.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }));
    // Older models are not needed once the hotline has moved on.
    for (const old of await cache.keys()) if (!old.url.endsWith(url)) await cache.delete(old);
  }
  return bytes;
}

function checkModel(bytes: Uint8Array): WhisperModelInfo {
  try {
    return inspectWhisperModel(bytes);
  } catch (e) {
    if (e instanceof ModelFileError)
      throw new TranscriptionError(e.problem === 'truncated' ? 'model-truncated' : 'model-format', e.message);
    throw e;
  }
}

async function startEngine(): Promise<Engine> {
  if (engine) return engine;
  if (!self.crossOriginIsolated) throw new TranscriptionError('not-isolated');
  const state: Engine = { module: null, loaded: null, lastError: '' };
  const onAbort = (what: unknown) => {
    const detail = `aborted: ${String(what)} ${state.lastError}`.slice(0, 300);
    // The engine cannot be used again: the page terminates this worker on any error reply.
    current?.reject(new TranscriptionError('engine-aborted', detail));
  };
  state.module = await createModule({
    // whisper.cpp's threads run this same script.
    mainScriptUrlOrBlob: self.location.href,
    print: () => {},
    // Loader and engine messages (never audio or text): kept to explain a failure.
    printErr: (line: string) => {
      const thrown = /worker sent an error!.*Uncaught (\d+)/.exec(line);
      if (thrown) {
        // A C++ exception escaped one of whisper.cpp's threads: the engine is done for.
        const what = cppExceptionMessage(state.module, Number(thrown[1]));
        current?.reject(new TranscriptionError('engine-crashed', `whisper.cpp threw: ${what}`));
      } else if (/worker sent an error!/.test(line)) {
        current?.reject(new TranscriptionError('engine-crashed', line.slice(0, 200)));
      } else if (/error|fail|invalid|wrong|unknown|not /i.test(line)) state.lastError = line.slice(0, 200);
    },
    onAbort,
    onProgress: (percent: number) => {
      current?.touch();
      if (current) reply({ type: 'progress', job: current.job, percent });
    },
    onNewSegment: () => current?.segment(),
    onTranscribed: (result: unknown) => current?.resolve(result),
    onCanceled: () => current?.reject(new TranscriptionError('engine-crashed', 'canceled')),
  });
  engine = state;
  return state;
}

/**
 * The message of a C++ exception thrown as a pointer (emscripten's JS exceptions): for the
 * standard library's logic_error/runtime_error, a vtable pointer then a pointer to the text.
 * Best effort — only for the error detail.
 */
function cppExceptionMessage(module: ShoutModule, pointer: number): string {
  try {
    const heap: Uint8Array = module.HEAPU8;
    const view = new DataView(heap.buffer);
    const text = view.getUint32(pointer + 4, true);
    let message = '';
    for (let i = text; i < text + 120 && i < heap.length && heap[i]; i++)
      message += String.fromCharCode(heap[i] as number);
    return /^[\x20-\x7e]+$/.test(message) ? message : `exception at ${pointer}`;
  } catch {
    return `exception at ${pointer}`;
  }
}

async function loadModel(
  state: Engine,
  sha256: string,
  bytes: Uint8Array,
  info: WhisperModelInfo,
): Promise<void> {
  if (state.loaded?.sha256 === sha256) return;
  const m = state.module;
  if (state.loaded) {
    m.free();
    try {
      m.FS_unlink(state.loaded.path);
    } catch {
      /* already gone */
    }
  }
  const path = `model-${sha256.slice(0, 16)}.bin`;
  m.FS_createDataFile('/', path, bytes, true, false);
  state.lastError = '';
  m.init(path, '');
  state.loaded = { sha256, path, info };
}

async function audioSamples(audio: EngineAudio): Promise<Float32Array> {
  let decoded: { sampleRate: number; channels: Float32Array[] };
  try {
    decoded = audio.kind === 'wav' ? decodeWav(new Uint8Array(audio.bytes)) : audio;
  } catch (e) {
    throw new TranscriptionError('audio-decode', (e as Error).message);
  }
  const pcm = toWhisperInput(decoded.channels, decoded.sampleRate);
  if (pcm.length < WHISPER_SAMPLE_RATE / 10) throw new TranscriptionError('audio-empty');
  return pcm;
}

interface ShoutResult {
  result?: { language?: string };
  transcription?: { offsets?: { from?: number; to?: number }; text?: string }[];
}

function runWhisper(state: Engine, job: number, pcm: Float32Array, language: string, threads: number) {
  return new Promise<{ raw: ShoutResult; firstSegmentMs: number | null }>((resolve, reject) => {
    const started = performance.now();
    let firstSegmentMs: number | null = null;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const finish = (error: unknown, raw?: unknown) => {
      clearTimeout(watchdog);
      current = null;
      if (error) reject(error);
      else resolve({ raw: raw as ShoutResult, firstSegmentMs });
    };
    const touch = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(
        () => finish(new TranscriptionError('engine-crashed', 'whisper stopped answering')),
        STALL_MS,
      );
    };
    current = {
      job,
      resolve: (raw) => finish(null, raw),
      reject: (e) => finish(e),
      touch,
      segment: () => {
        firstSegmentMs ??= performance.now() - started;
        touch();
      },
    };
    touch();
    // (audio, language, threads, translate, max_len, split_on_word, suppress_non_speech, token_timestamps)
    const status = state.module.transcribe(pcm, language, threads, false, 0, false, false, false);
    if (status !== 0)
      finish(new TranscriptionError('model-load', state.lastError || 'whisper.cpp could not load the model'));
  });
}

async function transcribe(request: TranscribeRequest): Promise<EngineResult> {
  const { job } = request;
  reply({ type: 'stage', job, stage: 'model' });
  const modelStart = performance.now();
  const state = await startEngine();
  if (state.loaded?.sha256 !== request.model.sha256) {
    const bytes = await modelBytes(request.model.sha256, request.model.url);
    const info = checkModel(bytes);
    await loadModel(state, request.model.sha256, bytes, info);
  }
  const info = (state.loaded as NonNullable<Engine['loaded']>).info;
  const modelMs = performance.now() - modelStart;

  reply({ type: 'stage', job, stage: 'audio' });
  const audioStart = performance.now();
  const pcm = await audioSamples(request.audio);
  const audioMs = performance.now() - audioStart;

  reply({ type: 'stage', job, stage: 'transcribing' });
  const language = info.multilingual ? request.language || 'auto' : 'en';
  const threads = Math.max(1, Math.min(request.threads, navigator.hardwareConcurrency || 1));
  const start = performance.now();
  const { raw, firstSegmentMs } = await runWhisper(state, job, pcm, language, threads);
  const transcribeMs = performance.now() - start;

  const segments: EngineSegment[] = (raw.transcription ?? []).map((s) => ({
    start: (s.offsets?.from ?? 0) / 1000,
    end: (s.offsets?.to ?? 0) / 1000,
    text: (s.text ?? '').trim(),
  }));
  return {
    language: raw.result?.language ?? (language === 'auto' ? '' : language),
    segments,
    audioSeconds: pcm.length / WHISPER_SAMPLE_RATE,
    threads,
    multilingual: info.multilingual,
    memoryBytes: state.module.HEAPU8?.buffer?.byteLength ?? 0,
    timings: { modelMs, audioMs, transcribeMs, firstSegmentMs },
  };
}

if (!isEngineThread) {
  self.onmessage = (event: MessageEvent<TranscribeRequest>) => {
    const request = event.data;
    if (request?.type !== 'transcribe') return;
    transcribe(request).then(
      (result) => reply({ type: 'done', job: request.job, result }),
      (e) => fail(request.job, e),
    );
  };
}
