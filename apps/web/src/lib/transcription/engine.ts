import { isTranscriptionErrorCode, TranscriptionError, workerFailureCode } from './errors.js';
import {
  type EngineAudio,
  type EngineKind,
  type EngineModel,
  type EngineResult,
  type EngineStage,
  type TranscribeRequest,
  WHISPER_WORKER_NAME,
  type WorkerReply,
} from './protocol.js';

/**
 * The page's side of the whisper worker: one transcription at a time (a queue), one worker kept
 * while it works (the model stays loaded between voicemails), and a fresh worker after any
 * failure — whisper.cpp cannot be trusted after an abort, so the broken one is terminated and
 * the next request starts clean.
 */

export interface TranscribeOptions {
  model: EngineModel;
  audio: EngineAudio;
  language: string;
  threads?: number;
  onStage?: (stage: EngineStage) => void;
  onProgress?: (percent: number) => void;
}

export type WorkerFactory = () => Worker;

/**
 * Which whisper.cpp build this page runs: the threaded one needs SharedArrayBuffer, which a
 * browser gives only to a cross-origin-isolated page; any other page gets the build without
 * threads (slower where two threads would have been used, but it transcribes all the same).
 */
export const engineKind = (): EngineKind =>
  globalThis.crossOriginIsolated === true ? 'threaded' : 'single-thread';

/** Each build's worker (Vite bundles both; only the one this page needs is ever fetched). */
export const ENGINE_WORKERS: Record<EngineKind, WorkerFactory> = {
  threaded: () =>
    new Worker(new URL('./whisper.worker.ts', import.meta.url), {
      type: 'module',
      name: WHISPER_WORKER_NAME,
    }),
  'single-thread': () =>
    new Worker(new URL('./whisper-single-thread.worker.ts', import.meta.url), {
      type: 'module',
      name: WHISPER_WORKER_NAME,
    }),
};

const defaultWorker: WorkerFactory = () => ENGINE_WORKERS[engineKind()]();

/** Whisper.cpp runs wherever WebAssembly does: with threads when the page is isolated, without otherwise. */
export const canTranscribeHere = (): boolean => typeof WebAssembly === 'object';

/**
 * Why this window runs the slower engine without threads, or null when it runs the threaded one:
 * 'isolation-off' when the server does not send COOP/COEP (the operator set
 * CROSS_ORIGIN_ISOLATION=off, which the public settings say), so every browser does;
 * 'not-isolated' when this window alone is not isolated (an old browser, a proxy that strips the
 * headers, or a page opened in a way that lost the isolation). docs/OPERATIONS.md, Transcription.
 */
export function singleThreadReason(
  serverIsolation: boolean | undefined,
): 'isolation-off' | 'not-isolated' | null {
  if (engineKind() === 'threaded') return null;
  return serverIsolation === false ? 'isolation-off' : 'not-isolated';
}

/**
 * Two threads where the machine has four cores or more, one otherwise: whisper.cpp's threads
 * wait for each other by spinning, and on a two-core machine that also runs the page they lose
 * more than they gain (bench/transcription.ts measures both). The build without threads always
 * uses one.
 */
export const defaultThreads = (): number =>
  ((typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1) >= 4 ? 2 : 1;

export class TranscriptionEngine {
  private worker: Worker | null = null;
  private nextJob = 1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly makeWorker: WorkerFactory = defaultWorker) {}

  /** Queues a transcription; rejects with a TranscriptionError. */
  transcribe(options: TranscribeOptions): Promise<EngineResult> {
    const run = this.queue.then(
      () => this.run(options),
      () => this.run(options),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The running transcription's way out, when the worker is ended under it. */
  private stopCurrent: ((error: TranscriptionError) => void) | null = null;

  /**
   * Ends the worker (the vault locked, the page leaving): the decrypted audio and the model go
   * with it. A transcription in progress fails; the next one starts a new worker.
   */
  dispose(): void {
    const stop = this.stopCurrent;
    this.worker?.terminate();
    this.worker = null;
    stop?.(new TranscriptionError('engine-crashed', 'stopped'));
  }

  private run(options: TranscribeOptions): Promise<EngineResult> {
    this.worker ??= this.makeWorker();
    const worker = this.worker;
    const job = this.nextJob++;
    return new Promise<EngineResult>((resolve, reject) => {
      const cleanUp = () => {
        this.stopCurrent = null;
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', onError);
        worker.removeEventListener('messageerror', onMessageError);
      };
      const broken = (error: TranscriptionError) => {
        cleanUp();
        worker.terminate();
        if (this.worker === worker) this.worker = null;
        reject(error);
      };
      const onMessage = (event: MessageEvent<WorkerReply>) => {
        const message = event.data;
        if (message?.job !== job) return;
        if (message.type === 'stage') options.onStage?.(message.stage);
        else if (message.type === 'progress') options.onProgress?.(message.percent);
        else if (message.type === 'done') {
          cleanUp();
          resolve(message.result);
        } else if (message.type === 'error') {
          const code = isTranscriptionErrorCode(message.code) ? message.code : 'engine-crashed';
          // A refused input leaves the engine usable; anything else may have broken it.
          if (code === 'audio-decode' || code === 'audio-empty') {
            cleanUp();
            reject(new TranscriptionError(code, message.detail));
          } else broken(new TranscriptionError(code, message.detail));
        }
      };
      const onError = (event: ErrorEvent) => {
        event.preventDefault();
        broken(new TranscriptionError(workerFailureCode(event.message), (event.message ?? '').slice(0, 200)));
      };
      const onMessageError = () => broken(new TranscriptionError('engine-crashed', 'unreadable message'));
      this.stopCurrent = (error) => {
        cleanUp();
        reject(error);
      };
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', onError);
      worker.addEventListener('messageerror', onMessageError);
      const request: TranscribeRequest = {
        type: 'transcribe',
        job,
        model: options.model,
        audio: options.audio,
        language: options.language,
        threads: options.threads ?? defaultThreads(),
      };
      const transfer =
        options.audio.kind === 'wav' ? [options.audio.bytes] : options.audio.channels.map((c) => c.buffer);
      worker.postMessage(request, transfer as Transferable[]);
    });
  }
}

/** The page's one engine (created on first use). */
let shared: TranscriptionEngine | null = null;
export const transcriptionEngine = (): TranscriptionEngine => {
  shared ??= new TranscriptionEngine();
  return shared;
};
