import { z } from 'zod';
import { TranscriptSource } from '../transcription.js';
import { GrantResultSchema, grantWorkOf, sealedForReader } from './records.js';

/**
 * Answers of the transcription routes (docs/PROTOCOL.md §9.5), as the web client checks them.
 * Each answer's type is inferred from its schema, so the server builds what the client checks.
 */

/** The model the hotline uses, as every member's client learns it. */
export const TranscriptionModelInfoSchema = z.object({
  /** Lowercase hex SHA-256 of the file: also its address, `GET /api/transcription/models/<sha256>`. */
  sha256: z.string(),
  /** The file name the admin uploaded (e.g. `ggml-tiny.en.bin`). */
  name: z.string(),
  size: z.number().int(),
  uploadedAt: z.string(),
});
export type TranscriptionModelInfo = z.infer<typeof TranscriptionModelInfoSchema>;

/** An upload of a model file in progress: send chunk `received / chunkBytes` next. */
export const ModelUploadStatusSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  /** Bytes stored so far, always a whole number of chunks. */
  received: z.number().int(),
  /** Every chunk is exactly this long except the last (the server's body limit decides it). */
  chunkBytes: z.number().int().positive(),
});
export type ModelUploadStatus = z.infer<typeof ModelUploadStatusSchema>;

/** `POST /api/transcription/model/uploads` and `GET /api/transcription/model/uploads/:id`. */
export const ModelUploadResponse = z.object({ upload: ModelUploadStatusSchema });

/**
 * `PUT /api/transcription/model/uploads/:id/chunks/:index`. On the last chunk the server checks
 * the size, the SHA-256 and the ggml format, then the file is the hotline's model.
 */
export const ModelChunkAckSchema = z.object({
  received: z.number().int(),
  complete: z.boolean(),
  /** The hotline's model once the last chunk passed the checks. */
  model: TranscriptionModelInfoSchema.nullable(),
});
export type ModelChunkAck = z.infer<typeof ModelChunkAckSchema>;

/** A transcript as a reader receives it: ciphertext and only the caller's own wrap. */
export const TranscriptForReaderSchema = z.object({
  id: z.string(),
  callId: z.string(),
  source: TranscriptSource,
  authorPubkey: z.string(),
  createdAt: z.string(),
  ...sealedForReader,
});
export type TranscriptForReader = z.infer<typeof TranscriptForReaderSchema>;

/** `POST /api/calls/:callId/transcripts`. */
export const TranscriptResponse = z.object({ transcript: TranscriptForReaderSchema });

/** `GET /api/calls/:callId/transcripts`. */
export const TranscriptListSchema = z.object({
  transcripts: z.array(TranscriptForReaderSchema),
});
export type TranscriptList = z.infer<typeof TranscriptListSchema>;

/** `GET /api/transcripts/grant-work`. */
export const TranscriptGrantWorkSchema = grantWorkOf(
  z.object({ transcriptId: z.string(), wrap: z.string() }),
);

/** `POST /api/transcripts/grant`: answered as the notes' grant is. */
export const TranscriptGrantResultSchema = GrantResultSchema;

/**
 * `POST /api/transcription/claims`: `claimed` true when the caller holds the lease until
 * `expiresAt` (go on); false when another admin holds it (`reason: 'transcribing-elsewhere'`,
 * until `expiresAt`) or the voicemail already has a transcript (`reason: 'transcribed'`,
 * `expiresAt` null).
 */
export const VoicemailClaimSchema = z.object({
  callId: z.string(),
  claimed: z.boolean(),
  reason: z.enum(['transcribing-elsewhere', 'transcribed']).nullable(),
  expiresAt: z.string().nullable(),
});
export type VoicemailClaim = z.infer<typeof VoicemailClaimSchema>;

/** `POST /api/transcription/claims`. */
export const VoicemailClaimResponse = z.object({ claim: VoicemailClaimSchema });
