import type { TranscriptionErrorCode } from './errors.js';

/**
 * Messages between the page and the whisper worker. Audio crosses as transferred buffers; the
 * model is fetched by the worker itself (from our own origin), so its megabytes never pass
 * through the page's thread.
 */

export interface EngineModel {
  sha256: string;
  /** Same-origin URL: `/api/transcription/models/<sha256>`. */
  url: string;
}

/** Either a WAV file the worker decodes itself, or samples the browser decoded (MP3, Ogg…). */
export type EngineAudio =
  | { kind: 'wav'; bytes: ArrayBuffer }
  | { kind: 'pcm'; sampleRate: number; channels: Float32Array[] };

export interface TranscribeRequest {
  type: 'transcribe';
  job: number;
  model: EngineModel;
  audio: EngineAudio;
  /** An ISO 639-1 code, or 'auto' for the model's language detection (multilingual models only). */
  language: string;
  threads: number;
}

export interface EngineSegment {
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
  text: string;
}

export interface EngineTimings {
  /** Fetching (or reading from the cache) and verifying the model. */
  modelMs: number;
  /** Decoding and resampling the audio. */
  audioMs: number;
  /** From the call to whisper until its result. */
  transcribeMs: number;
  /** From the call to whisper until its first segment (null when none came). */
  firstSegmentMs: number | null;
}

/**
 * Which whisper.cpp build ran: the threaded one (a cross-origin-isolated page, SharedArrayBuffer)
 * or the one without threads (any other page; slower where two threads would have been used).
 */
export type EngineKind = 'threaded' | 'single-thread';

export interface EngineResult {
  engine: EngineKind;
  language: string;
  segments: EngineSegment[];
  /** Length of the 16 kHz audio whisper read. */
  audioSeconds: number;
  threads: number;
  multilingual: boolean;
  /** Size of the engine's WebAssembly memory at the end, in bytes. */
  memoryBytes: number;
  timings: EngineTimings;
}

export type EngineStage = 'model' | 'audio' | 'transcribing';

export type WorkerReply =
  | { type: 'stage'; job: number; stage: EngineStage }
  | { type: 'progress'; job: number; percent: number }
  | { type: 'done'; job: number; result: EngineResult }
  | { type: 'error'; job: number; code: TranscriptionErrorCode; detail: string };

/** The name given to our worker; whisper.cpp's own threads are named "em-pthread…". */
export const WHISPER_WORKER_NAME = 'llamenos-whisper';
