/// <reference lib="webworker" />
import createModule from '@transcribe/shout';
import { TranscriptionError } from './errors.js';
import type { EngineSegment } from './protocol.js';
import { serveTranscriptions, type WhisperBuild, type WhisperRun } from './worker-core.js';

/**
 * The threaded whisper.cpp engine (WebAssembly, @transcribe/shout) in a module worker, for a
 * cross-origin-isolated page (engine.ts picks it; whisper-single-thread.worker.ts is the other).
 * The same script is also each of whisper.cpp's threads: the package starts a thread as a worker
 * of the main script named "em-pthread…", and importing it runs the thread's side; this file's
 * own code then stays out of the way.
 */

declare const self: DedicatedWorkerGlobalScope;
const isEngineThread = self.name.startsWith('em-pthread');

/** No word from whisper.cpp for this long means it is stuck (e.g. a result it could not report). */
const STALL_MS = 180_000;

// biome-ignore lint/suspicious/noExplicitAny: the emscripten module is untyped
type ShoutModule = any;

interface Engine {
  module: ShoutModule;
  modelPath: string | null;
  lastError: string;
}
let engine: Engine | null = null;
/** The transcription in progress: whisper.cpp's callbacks report to it. */
let current: {
  run: WhisperRun;
  resolve: (result: unknown) => void;
  reject: (e: unknown) => void;
  touch: () => void;
} | null = null;

async function startEngine(): Promise<Engine> {
  if (engine) return engine;
  if (!self.crossOriginIsolated) throw new TranscriptionError('not-isolated');
  const state: Engine = { module: null, modelPath: null, lastError: '' };
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
      current?.run.onProgress(percent);
    },
    onNewSegment: () => {
      current?.touch();
      current?.run.onSegment();
    },
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

function loadModel(state: Engine, sha256: string, bytes: Uint8Array): void {
  const m = state.module;
  if (state.modelPath) {
    m.free();
    try {
      m.FS_unlink(state.modelPath);
    } catch {
      /* already gone */
    }
    state.modelPath = null;
  }
  const path = `model-${sha256.slice(0, 16)}.bin`;
  m.FS_createDataFile('/', path, bytes, true, false);
  state.lastError = '';
  m.init(path, '');
  state.modelPath = path;
}

interface ShoutResult {
  result?: { language?: string };
  transcription?: { offsets?: { from?: number; to?: number }; text?: string }[];
}

function runWhisper(state: Engine, run: WhisperRun) {
  return new Promise<ShoutResult>((resolve, reject) => {
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const finish = (error: unknown, raw?: unknown) => {
      clearTimeout(watchdog);
      current = null;
      if (error) reject(error);
      else resolve(raw as ShoutResult);
    };
    const touch = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(
        () => finish(new TranscriptionError('engine-crashed', 'whisper stopped answering')),
        STALL_MS,
      );
    };
    current = { run, resolve: (raw) => finish(null, raw), reject: (e) => finish(e), touch };
    touch();
    // (audio, language, threads, translate, max_len, split_on_word, suppress_non_speech, token_timestamps)
    const status = state.module.transcribe(run.pcm, run.language, run.threads, false, 0, false, false, false);
    if (status !== 0)
      finish(new TranscriptionError('model-load', state.lastError || 'whisper.cpp could not load the model'));
  });
}

const threadedBuild = async (): Promise<WhisperBuild> => {
  const state = await startEngine();
  return {
    kind: 'threaded',
    threadsFor: (requested) => Math.max(1, Math.min(requested, navigator.hardwareConcurrency || 1)),
    load: async (sha256, bytes) => loadModel(state, sha256, bytes),
    transcribe: async (run) => {
      const raw = await runWhisper(state, run);
      const segments: EngineSegment[] = (raw.transcription ?? []).map((s) => ({
        start: (s.offsets?.from ?? 0) / 1000,
        end: (s.offsets?.to ?? 0) / 1000,
        text: (s.text ?? '').trim(),
      }));
      return { language: raw.result?.language ?? '', segments };
    },
    memoryBytes: () => state.module.HEAPU8?.buffer?.byteLength ?? 0,
  };
};

if (!isEngineThread) serveTranscriptions(threadedBuild);
