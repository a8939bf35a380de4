/// <reference lib="webworker" />
import createWhisperSingleThread, {
  type WhisperSingleThreadModule,
} from '../../../vendor/whisper-single-thread/whisper-single-thread.js';
import { asTranscriptionError, TranscriptionError } from './errors.js';
import type { EngineSegment } from './protocol.js';
import { serveTranscriptions, type WhisperBuild, type WhisperRun } from './worker-core.js';

/**
 * The whisper.cpp engine without threads (apps/web/vendor/whisper-single-thread, our own build),
 * for a page that is not cross-origin isolated: no SharedArrayBuffer, so the threaded engine
 * (whisper.worker.ts) cannot start. engine.ts picks it. whisper.cpp runs on this worker's one
 * thread and blocks it until the audio is transcribed; its progress and segments still reach the
 * page, because a worker's postMessage does not wait for its own event loop.
 */

interface Engine {
  module: WhisperSingleThreadModule;
  /** whisper.cpp's last warning or error line: it explains a model that would not load. */
  lastError: string;
  /** The run in progress: the module's callbacks report to it. */
  run: WhisperRun | null;
}
let started: Promise<Engine> | null = null;

function startEngine(): Promise<Engine> {
  started ??= (async () => {
    const engine = { lastError: '', run: null } as Omit<Engine, 'module'> & Partial<Engine>;
    engine.module = await createWhisperSingleThread({
      print: () => {},
      printErr: () => {},
      onEngineLog: (line) => {
        engine.lastError = line.trim().slice(0, 200);
      },
      onProgress: (percent) => engine.run?.onProgress(percent),
      onNewSegment: () => engine.run?.onSegment(),
    });
    return engine as Engine;
  })();
  // A module that failed to start is not kept: the page replaces this worker anyway.
  started.catch(() => {
    started = null;
  });
  return started;
}

/** Runs `use` with `text` as a NUL-terminated UTF-8 string in the module's memory. */
function withString<T>(m: WhisperSingleThreadModule, text: string, use: (pointer: number) => T): T {
  const size = m.lengthBytesUTF8(text) + 1;
  const pointer = m._malloc(size);
  try {
    m.stringToUTF8(text, pointer, size);
    return use(pointer);
  } finally {
    m._free(pointer);
  }
}

/** whisper.cpp's abort (a RuntimeError thrown out of the call) as the error the page understands. */
function engineFailure(e: unknown, engine: Engine): TranscriptionError {
  if (e instanceof TranscriptionError) return e;
  const error = asTranscriptionError(e);
  return new TranscriptionError(error.code, `${error.detail} ${engine.lastError}`.trim().slice(0, 300));
}

function load(engine: Engine, sha256: string, bytes: Uint8Array): void {
  const m = engine.module;
  const path = `model-${sha256.slice(0, 16)}.bin`;
  m.FS_createDataFile('/', path, bytes, true, false);
  engine.lastError = '';
  try {
    const ok = withString(m, `/${path}`, (pointer) => m._llw_load(pointer));
    if (ok !== 1)
      throw new TranscriptionError('model-load', engine.lastError || 'whisper.cpp could not load the model');
  } catch (e) {
    throw engineFailure(e, engine);
  } finally {
    // whisper.cpp has read the whole file into its own tensors: the copy is not needed.
    m.FS_unlink(`/${path}`);
  }
}

function transcribe(engine: Engine, run: WhisperRun): { language: string; segments: EngineSegment[] } {
  const m = engine.module;
  const samples = m._malloc(run.pcm.length * 4);
  engine.run = run;
  try {
    m.HEAPF32.set(run.pcm, samples / 4);
    const status = withString(m, run.language, (language) =>
      m._llw_transcribe(samples, run.pcm.length, language),
    );
    if (status !== 0)
      throw new TranscriptionError('engine-crashed', `whisper_full returned ${status} ${engine.lastError}`);
    const segments: EngineSegment[] = [];
    for (let i = 0, n = m._llw_segment_count(); i < n; i++) {
      segments.push({
        start: m._llw_segment_start_ms(i) / 1000,
        end: m._llw_segment_end_ms(i) / 1000,
        text: m.UTF8ToString(m._llw_segment_text(i)).trim(),
      });
    }
    return { language: m.UTF8ToString(m._llw_language()), segments };
  } catch (e) {
    throw engineFailure(e, engine);
  } finally {
    engine.run = null;
    try {
      m._free(samples);
    } catch {
      /* an aborted module: the page replaces this worker */
    }
  }
}

const singleThreadBuild = async (): Promise<WhisperBuild> => {
  const engine = await startEngine();
  return {
    kind: 'single-thread',
    threadsFor: () => 1,
    load: async (sha256, bytes) => load(engine, sha256, bytes),
    transcribe: async (run) => transcribe(engine, run),
    memoryBytes: () => engine.module.HEAPU8.buffer.byteLength,
  };
};

serveTranscriptions(singleThreadBuild);
