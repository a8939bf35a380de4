/**
 * The page's side of the whisper worker, with a scripted stand-in worker: errors map to codes
 * the UI translates, a worker that dies (whisper.cpp abort, out of memory) is terminated and the
 * next transcription starts a new one, and a refused input keeps the worker.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TranscriptionEngine } from '../src/lib/transcription/engine.js';
import {
  asTranscriptionError,
  TranscriptionError,
  workerFailureCode,
} from '../src/lib/transcription/errors.js';
import type { EngineResult, TranscribeRequest, WorkerReply } from '../src/lib/transcription/protocol.js';

type Script = (request: TranscribeRequest, worker: FakeWorker) => void;

class FakeWorker extends EventTarget {
  terminated = false;
  constructor(private readonly script: Script) {
    super();
  }
  postMessage(request: TranscribeRequest) {
    queueMicrotask(() => this.script(request, this));
  }
  reply(message: WorkerReply) {
    this.dispatchEvent(new MessageEvent('message', { data: message }));
  }
  crash(message: string) {
    const event = new Event('error') as Event & { message: string };
    event.message = message;
    this.dispatchEvent(event);
  }
  terminate() {
    this.terminated = true;
  }
}

const result = (text: string): EngineResult => ({
  engine: 'threaded',
  language: 'en',
  segments: [{ start: 0, end: 1, text }],
  audioSeconds: 1,
  threads: 1,
  multilingual: false,
  memoryBytes: 0,
  timings: { modelMs: 0, audioMs: 0, transcribeMs: 1, firstSegmentMs: 1 },
});

const options = {
  model: { sha256: 'a'.repeat(64), url: `/api/transcription/models/${'a'.repeat(64)}` },
  audio: { kind: 'wav' as const, bytes: new ArrayBuffer(8) },
  language: 'auto',
};

function engineWith(scripts: Script[]) {
  const workers: FakeWorker[] = [];
  const engine = new TranscriptionEngine(() => {
    const script = scripts[Math.min(workers.length, scripts.length - 1)] as Script;
    const worker = new FakeWorker(script);
    workers.push(worker);
    return worker as unknown as Worker;
  });
  return { engine, workers };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof TranscriptionError ? e.code : 'not a TranscriptionError'),
  );

const g = globalThis as { crossOriginIsolated?: boolean };
beforeEach(() => {
  g.crossOriginIsolated = true;
});
afterEach(() => {
  delete g.crossOriginIsolated;
});

describe('TranscriptionEngine', () => {
  it('answers with the worker result and keeps the worker (the model stays loaded)', async () => {
    const { engine, workers } = engineWith([
      (r, w) => w.reply({ type: 'done', job: r.job, result: result('hola') }),
    ]);
    const stages: string[] = [];
    const first = await engine.transcribe({ ...options, onStage: (s) => stages.push(s) });
    expect(first.segments[0]?.text).toBe('hola');
    await engine.transcribe(options);
    expect(workers).toHaveLength(1);
    expect(workers[0]?.terminated).toBe(false);
  });

  it('recovers from a worker that dies: the error is named, the next transcription gets a new worker', async () => {
    const { engine, workers } = engineWith([
      (_r, w) => w.crash('Uncaught RuntimeError: Aborted(GGML_ASSERT failed)'),
      (r, w) => w.reply({ type: 'done', job: r.job, result: result('again') }),
    ]);
    expect(await failure(engine.transcribe(options))).toBe('engine-aborted');
    expect(workers[0]?.terminated).toBe(true);
    const again = await engine.transcribe(options);
    expect(again.segments[0]?.text).toBe('again');
    expect(workers).toHaveLength(2);
  });

  it('terminates the worker on an engine error it reports, but keeps it when only the audio was refused', async () => {
    const { engine, workers } = engineWith([
      (r, w) =>
        w.reply(
          r.job === 1
            ? { type: 'error', job: r.job, code: 'audio-decode', detail: 'not a RIFF/WAVE file' }
            : { type: 'error', job: r.job, code: 'model-truncated', detail: 'the file ends early' },
        ),
    ]);
    expect(await failure(engine.transcribe(options))).toBe('audio-decode');
    expect(workers[0]?.terminated).toBe(false);
    expect(await failure(engine.transcribe(options))).toBe('model-truncated');
    expect(workers[0]?.terminated).toBe(true);
  });

  it('runs one transcription at a time, even after a failure', async () => {
    const order: number[] = [];
    const { engine } = engineWith([
      (r, w) => {
        order.push(r.job);
        setTimeout(
          () =>
            r.job === 1
              ? w.crash('out of memory')
              : w.reply({ type: 'done', job: r.job, result: result(String(r.job)) }),
          5,
        );
      },
    ]);
    const all = await Promise.allSettled([
      engine.transcribe(options),
      engine.transcribe(options),
      engine.transcribe(options),
    ]);
    expect(all.map((a) => a.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(order).toEqual([1, 2, 3]);
  });

  it('transcribes in a page that is not cross-origin isolated too (the single-threaded build)', async () => {
    g.crossOriginIsolated = false;
    const { engine, workers } = engineWith([
      (r, w) => w.reply({ type: 'done', job: r.job, result: result('x') }),
    ]);
    expect((await engine.transcribe(options)).segments[0]?.text).toBe('x');
    expect(workers).toHaveLength(1);
  });
});

describe('error mapping', () => {
  it("reads a dead worker's message", () => {
    expect(workerFailureCode('Uncaught RuntimeError: Aborted(native code called abort())')).toBe(
      'engine-aborted',
    );
    expect(workerFailureCode('Aborted(OOM)')).toBe('out-of-memory');
    expect(workerFailureCode('RangeError: Array buffer allocation failed')).toBe('out-of-memory');
    expect(workerFailureCode('Uncaught 492454072')).toBe('engine-crashed');
    expect(workerFailureCode(undefined)).toBe('engine-crashed');
  });

  it('keeps a TranscriptionError and maps anything else', () => {
    const known = new TranscriptionError('model-hash');
    expect(asTranscriptionError(known)).toBe(known);
    expect(asTranscriptionError(new Error('Cannot enlarge memory arrays')).code).toBe('out-of-memory');
    expect(asTranscriptionError('boom').code).toBe('engine-crashed');
  });
});

describe('dispose', () => {
  it('ends the worker and fails the transcription in progress; the next one gets a new worker', async () => {
    g.crossOriginIsolated = true;
    const { engine, workers } = engineWith([
      () => {},
      (r, w) => w.reply({ type: 'done', job: r.job, result: result('after') }),
    ]);
    const running = failure(engine.transcribe(options));
    await new Promise((r) => setTimeout(r, 5));
    engine.dispose();
    expect(await running).toBe('engine-crashed');
    expect(workers[0]?.terminated).toBe(true);
    expect((await engine.transcribe(options)).segments[0]?.text).toBe('after');
  });
});
