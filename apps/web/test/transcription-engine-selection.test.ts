/**
 * Which whisper.cpp build a page runs: the threaded worker in a cross-origin-isolated page, the
 * single-threaded one anywhere else (no SharedArrayBuffer there). Without isolation transcription
 * still runs; the settings only say why it may be slower.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineKind, singleThreadReason, TranscriptionEngine } from '../src/lib/transcription/engine.js';
import type { TranscribeRequest } from '../src/lib/transcription/protocol.js';

const setIsolated = (value: boolean | undefined) =>
  Object.defineProperty(globalThis, 'crossOriginIsolated', { value, configurable: true });

/** A stand-in for the browser's Worker that records which script the engine started. */
const started: string[] = [];
class RecordingWorker extends EventTarget {
  constructor(url: URL | string) {
    super();
    started.push(String(url));
  }
  postMessage(request: TranscribeRequest) {
    queueMicrotask(() =>
      this.dispatchEvent(
        new MessageEvent('message', { data: { type: 'done', job: request.job, result: {} } }),
      ),
    );
  }
  terminate() {}
}

const g = globalThis as { Worker?: unknown };
const realWorker = g.Worker;

async function workerScriptStarted(): Promise<string> {
  started.length = 0;
  g.Worker = RecordingWorker;
  await new TranscriptionEngine().transcribe({
    model: { sha256: 'a'.repeat(64), url: `/api/transcription/models/${'a'.repeat(64)}` },
    audio: { kind: 'wav', bytes: new ArrayBuffer(8) },
    language: 'auto',
  });
  expect(started).toHaveLength(1);
  return started[0] as string;
}

describe('the engine a page runs', () => {
  afterEach(() => {
    setIsolated(undefined);
    g.Worker = realWorker;
  });

  it('is the threaded whisper.cpp in a cross-origin-isolated page', async () => {
    setIsolated(true);
    expect(engineKind()).toBe('threaded');
    expect(await workerScriptStarted()).toMatch(/\/whisper\.worker\.ts$/);
  });

  it('is the single-threaded whisper.cpp in a page that is not isolated, which still transcribes', async () => {
    setIsolated(false);
    expect(engineKind()).toBe('single-thread');
    expect(await workerScriptStarted()).toMatch(/\/whisper-single-thread\.worker\.ts$/);
    setIsolated(undefined);
    expect(engineKind()).toBe('single-thread');
  });
});

describe('why a page runs the slower engine', () => {
  afterEach(() => setIsolated(undefined));

  it('is no reason in an isolated window', () => {
    setIsolated(true);
    expect(singleThreadReason(true)).toBeNull();
  });

  it('names the server switch when the server sends no COOP/COEP', () => {
    setIsolated(false);
    expect(singleThreadReason(false)).toBe('isolation-off');
  });

  it('names this window when the server isolates but the window is not (or the settings are not loaded)', () => {
    setIsolated(false);
    expect(singleThreadReason(true)).toBe('not-isolated');
    expect(singleThreadReason(undefined)).toBe('not-isolated');
  });
});
