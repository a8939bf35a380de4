import { z } from 'zod';
import { Uuid } from './primitives.js';
import { NoteEnvelope } from './records.js';

/**
 * Transcription in the browser (whisper.cpp compiled to WebAssembly, run in a worker). Audio and
 * transcript text never reach the server in the clear: a transcript is sealed in the browser
 * with purpose `transcript` (never `note`, target.md lesson 9) and record id
 * `transcript:<transcriptId>`, for its creator and every current admin (active holders of
 * notes:read-all), exactly like a note. The model file is not secret: the admin uploads it
 * once and the server serves it as a public, content-addressed, immutable asset.
 */

// The answers (TranscriptionModelInfo, TranscriptForReader, ModelUploadStatus, ModelChunkAck,
// VoicemailClaim, TranscriptList) are typed by their schemas in responses/transcription.ts.

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

/** `POST /api/calls/:callId/transcripts`: a transcript sealed for its creator and every current admin. */
export const CreateTranscriptBody = z
  .object({ id: Uuid, source: TranscriptSource, envelope: NoteEnvelope })
  .strict();
export type CreateTranscriptBody = z.infer<typeof CreateTranscriptBody>;

// ---------------------------------------------------------------------------------------------
// The model asset (routes under /api/transcription, docs/PROTOCOL.md §9.5)

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');

/** The largest model file accepted (the biggest official ggml model, large-v3, is about 3.1 GB). */
export const MODEL_MAX_BYTES = 4 * 1024 ** 3;

/** `POST /api/transcription/model/uploads` (settings:write): what the admin is about to send. */
export const StartModelUploadBody = z
  .object({
    /** The file's name as the admin chose it, e.g. `ggml-base.bin` (shown to members, never a path). */
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine(
        (name) => !/[/\\]/.test(name) && ![...name].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20),
        'a file name without slashes or control characters',
      ),
    size: z.number().int().min(1).max(MODEL_MAX_BYTES),
    /** SHA-256 of the whole file, which the browser computes before sending it. */
    sha256: Sha256Hex,
  })
  .strict();
export type StartModelUploadBody = z.infer<typeof StartModelUploadBody>;

export const ModelUploadIdParam = z.object({ id: Uuid }).strict();
export const ModelChunkParam = z.object({ id: Uuid, index: z.coerce.number().int().min(0) }).strict();
/** `GET /api/transcription/models/:sha256`: the model file itself (public, immutable). */
export const ModelFileParam = z.object({ sha256: Sha256Hex }).strict();

// ---------------------------------------------------------------------------------------------
// Transcripts

export const TranscriptCallParam = z.object({ callId: Uuid }).strict();

/**
 * `POST /api/transcription/claims` (calls:read-all): an admin's browser asks, before transcribing a
 * voicemail automatically, to be the one that does (a lease, so two admins online do not both).
 */
export const ClaimVoicemailBody = z.object({ callId: Uuid }).strict();
export type ClaimVoicemailBody = z.infer<typeof ClaimVoicemailBody>;

// ---------------------------------------------------------------------------------------------
// Granting a new admin the existing transcripts (docs/PROTOCOL.md §9, "Granting a new reader")

const ReaderWrapFields = NoteEnvelope.shape.wraps.element.shape;
const TRANSCRIPT_GRANT_BATCH_MAX = 500;

/** `GET /api/transcripts/grant-work`: transcripts the new reader has no wrap for, with the caller's own. */
export const TranscriptGrantWorkQuery = z
  .object({
    reader: ReaderWrapFields.reader,
    after: Uuid.optional(),
    limit: z.coerce.number().int().min(1).max(TRANSCRIPT_GRANT_BATCH_MAX).default(100),
  })
  .strict();

export interface TranscriptGrantWork {
  /** `wrap` is the caller's own wrap of the transcript's key: unwrap it, wrap the key for the reader. */
  items: { transcriptId: string; wrap: string }[];
  /** Pass as `after` to skip items this client could not wrap; null when nothing is left. */
  next: string | null;
}

/** `POST /api/transcripts/grant`: wraps for a new reader (a current admin), made in the browser. Idempotent. */
export const TranscriptGrantBody = z
  .object({
    reader: ReaderWrapFields.reader,
    wraps: z
      .array(z.object({ transcriptId: Uuid, wrap: ReaderWrapFields.wrap }).strict())
      .min(1)
      .max(TRANSCRIPT_GRANT_BATCH_MAX),
  })
  .strict();
export type TranscriptGrantBody = z.infer<typeof TranscriptGrantBody>;

/** Hub event (ids only): a transcript was added to a call; readers fetch it through the API. */
export const TranscriptEvent = z
  .object({ type: z.literal('transcript:new'), callId: Uuid, transcriptId: Uuid })
  .strict();
export type TranscriptEvent = z.infer<typeof TranscriptEvent>;
