/// <reference lib="webworker" />
import { TranscriptionError } from './errors.js';
import { downloadModel } from './model-download.js';
import { inspectWhisperModel, ModelFileError, type WhisperModelInfo } from './model-file.js';
import type {
  EngineAudio,
  EngineKind,
  EngineResult,
  EngineSegment,
  TranscribeRequest,
  WorkerReply,
} from './protocol.js';
import { toWhisperInput, WHISPER_SAMPLE_RATE } from './resample.js';
import { decodeWav } from './wav.js';

/**
 * What both whisper workers do the same way, whichever whisper.cpp build runs inside: fetch and
 * verify the model, decode and resample the audio, report stages, and shape the result. The
 * build itself is a `WhisperBuild` (whisper.worker.ts: the threaded one; whisper-single-thread.
 * worker.ts: the one without threads). All heavy work happens in the worker, so the page's
 * thread stays responsive.
 */

declare const self: DedicatedWorkerGlobalScope;

/** One run of whisper.cpp, as the build reports it. */
export interface WhisperRun {
  job: number;
  pcm: Float32Array;
  /** An ISO 639-1 code, or 'auto'. */
  language: string;
  threads: number;
  /** whisper.cpp's progress, 0–100. */
  onProgress: (percent: number) => void;
  /** Called each time whisper.cpp finishes a segment. */
  onSegment: () => void;
}

export interface WhisperOutput {
  /** The language transcribed in ('' when unknown). */
  language: string;
  segments: EngineSegment[];
}

export interface WhisperBuild {
  kind: EngineKind;
  /** The threads this build will use for a request that asks for `requested`. */
  threadsFor(requested: number): number;
  /** Replaces the loaded model with this verified one (whisper.cpp refusing it: 'model-load'). */
  load(sha256: string, bytes: Uint8Array): Promise<void>;
  transcribe(run: WhisperRun): Promise<WhisperOutput>;
  /** Size of the build's WebAssembly memory now. */
  memoryBytes(): number;
}

/** Cache Storage bucket of verified model files (they are public and immutable). */
const MODEL_CACHE = 'llamenos-whisper-models';

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

/** The model the build holds now (it stays loaded between transcriptions). */
let loaded: { sha256: string; info: WhisperModelInfo } | null = null;

async function transcribe(
  start: () => Promise<WhisperBuild>,
  request: TranscribeRequest,
): Promise<EngineResult> {
  const { job } = request;
  reply({ type: 'stage', job, stage: 'model' });
  const modelStart = performance.now();
  const build = await start();
  if (loaded?.sha256 !== request.model.sha256) {
    const bytes = await modelBytes(request.model.sha256, request.model.url);
    const info = checkModel(bytes);
    loaded = null;
    await build.load(request.model.sha256, bytes);
    loaded = { sha256: request.model.sha256, info };
  }
  const { info } = loaded;
  const modelMs = performance.now() - modelStart;

  reply({ type: 'stage', job, stage: 'audio' });
  const audioStart = performance.now();
  const pcm = await audioSamples(request.audio);
  const audioMs = performance.now() - audioStart;

  reply({ type: 'stage', job, stage: 'transcribing' });
  const language = info.multilingual ? request.language || 'auto' : 'en';
  const threads = build.threadsFor(request.threads);
  const started = performance.now();
  let firstSegmentMs: number | null = null;
  const output = await build.transcribe({
    job,
    pcm,
    language,
    threads,
    onProgress: (percent) => reply({ type: 'progress', job, percent }),
    onSegment: () => {
      firstSegmentMs ??= performance.now() - started;
    },
  });
  const transcribeMs = performance.now() - started;

  return {
    engine: build.kind,
    language: output.language || (language === 'auto' ? '' : language),
    segments: output.segments,
    audioSeconds: pcm.length / WHISPER_SAMPLE_RATE,
    threads,
    multilingual: info.multilingual,
    memoryBytes: build.memoryBytes(),
    timings: { modelMs, audioMs, transcribeMs, firstSegmentMs },
  };
}

/** Answers the page's transcription requests with this build (started on the first request). */
export function serveTranscriptions(start: () => Promise<WhisperBuild>): void {
  self.onmessage = (event: MessageEvent<TranscribeRequest>) => {
    const request = event.data;
    if (request?.type !== 'transcribe') return;
    transcribe(start, request).then(
      (result) => reply({ type: 'done', job: request.job, result }),
      (e) => fail(request.job, e),
    );
  };
}
