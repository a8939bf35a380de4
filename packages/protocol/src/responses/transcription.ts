import { z } from 'zod';
import {
  type ModelChunkAck,
  type ModelUploadStatus,
  type TranscriptForReader,
  type TranscriptionModelInfo,
  type TranscriptList,
  TranscriptSource,
  type VoicemailClaim,
} from '../transcription.js';
import { GrantResultSchema, grantWorkOf } from './records.js';

/** Answers of the transcription routes (docs/PROTOCOL.md §9.5), as the web client checks them. */

export const TranscriptionModelInfoSchema = z.object({
  sha256: z.string(),
  name: z.string(),
  size: z.number().int(),
  uploadedAt: z.string(),
}) satisfies z.ZodType<TranscriptionModelInfo>;

export const ModelUploadStatusSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  received: z.number().int(),
  chunkBytes: z.number().int().positive(),
}) satisfies z.ZodType<ModelUploadStatus>;

/** `POST /api/transcription/model/uploads` and `GET /api/transcription/model/uploads/:id`. */
export const ModelUploadResponse = z.object({ upload: ModelUploadStatusSchema });

/** `PUT /api/transcription/model/uploads/:id/chunks/:index`. */
export const ModelChunkAckSchema = z.object({
  received: z.number().int(),
  complete: z.boolean(),
  model: TranscriptionModelInfoSchema.nullable(),
}) satisfies z.ZodType<ModelChunkAck>;

export const TranscriptForReaderSchema = z.object({
  id: z.string(),
  callId: z.string(),
  source: TranscriptSource,
  authorPubkey: z.string(),
  createdAt: z.string(),
  ciphertext: z.string(),
  wrap: z.object({ reader: z.string(), wrap: z.string() }).nullable(),
}) satisfies z.ZodType<TranscriptForReader>;

/** `POST /api/calls/:callId/transcripts`. */
export const TranscriptResponse = z.object({ transcript: TranscriptForReaderSchema });

/** `GET /api/calls/:callId/transcripts`. */
export const TranscriptListSchema = z.object({
  transcripts: z.array(TranscriptForReaderSchema),
}) satisfies z.ZodType<TranscriptList>;

/** `GET /api/transcripts/grant-work`. */
export const TranscriptGrantWorkSchema = grantWorkOf(
  z.object({ transcriptId: z.string(), wrap: z.string() }),
);

/** `POST /api/transcripts/grant`: answered as the notes' grant is. */
export const TranscriptGrantResultSchema = GrantResultSchema;

/** `POST /api/transcription/claims`. */
export const VoicemailClaimResponse = z.object({
  claim: z.object({
    callId: z.string(),
    claimed: z.boolean(),
    reason: z.enum(['transcribing-elsewhere', 'transcribed']).nullable(),
    expiresAt: z.string().nullable(),
  }) satisfies z.ZodType<VoicemailClaim>,
});
