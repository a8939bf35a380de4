import { z } from 'zod';
import { NoteEnvelope } from './records.js';

/**
 * Transcription in the browser (whisper.cpp compiled to WebAssembly, run in a worker). Audio and
 * transcript text never reach the server in the clear: a transcript is sealed in the browser
 * with purpose `transcript` (never `note`, target.md lesson 9) and record id
 * `transcript:<transcriptId>`, for its creator and every current admin (active holders of
 * notes:read-all), exactly like a note. The model file is not secret: the admin uploads it
 * once and the server serves it as a public, content-addressed, immutable asset.
 */

export const transcriptRecordId = (transcriptId: string): string => `transcript:${transcriptId}`;

/** `settings.transcription`. */
export const TranscriptionSettings = z
  .object({
    /** Transcription is offered at all (it also needs an uploaded model). */
    enabled: z.boolean(),
    /** An admin's browser that is online transcribes new voicemails without being asked. */
    autoVoicemails: z.boolean(),
    /** Calls answered in the browser may be transcribed on the volunteer's device (each volunteer can opt out). */
    browserCalls: z.boolean(),
  })
  .strict();
export type TranscriptionSettings = z.infer<typeof TranscriptionSettings>;

export const DEFAULT_TRANSCRIPTION_SETTINGS: TranscriptionSettings = {
  enabled: false,
  autoVoicemails: false,
  browserCalls: false,
};

/** The model the hotline uses, as every member's client learns it. */
export interface TranscriptionModelInfo {
  /** Lowercase hex SHA-256 of the file: also its address, `GET /api/transcription/models/<sha256>`. */
  sha256: string;
  /** The file name the admin uploaded (e.g. `ggml-tiny.en.bin`). */
  name: string;
  size: number;
  uploadedAt: string;
}

/** What is transcribed. */
export const TranscriptSource = z.enum(['voicemail', 'call']);
export type TranscriptSource = z.infer<typeof TranscriptSource>;

/** The UTF-8 JSON sealed as a transcript's content. Times are seconds from the start of the audio. */
export interface TranscriptPayload {
  v: 1;
  source: TranscriptSource;
  /** The language the model used or detected ('' when unknown). */
  language: string;
  /** SHA-256 of the model that produced it. */
  model: string;
  text: string;
  segments: { start: number; end: number; text: string; speaker?: 'volunteer' | 'caller' }[];
}

const Uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lowercase UUID');

/** `POST /api/calls/:callId/transcripts`: a transcript sealed for its creator and every current admin. */
export const CreateTranscriptBody = z
  .object({ id: Uuid, source: TranscriptSource, envelope: NoteEnvelope })
  .strict();
export type CreateTranscriptBody = z.infer<typeof CreateTranscriptBody>;

/** A transcript as a reader receives it: ciphertext and only the caller's own wrap. */
export interface TranscriptForReader {
  id: string;
  callId: string;
  source: TranscriptSource;
  authorPubkey: string;
  createdAt: string;
  ciphertext: string;
  wrap: { reader: string; wrap: string } | null;
}
