import type { SealedEnvelope } from '@llamenos/crypto';
import type { TranscriptSource } from '@llamenos/protocol';
import { z } from 'zod';
import { request, requestVoid } from './http.js';

/**
 * The transcription routes as the web client uses them: the model asset (uploaded once by an
 * admin, served publicly by its SHA-256) and sealed transcripts of a call. Audio and text never
 * pass here in the clear: sealing and opening happen in lib/transcription. The answers are
 * checked against the schemas below until packages/protocol/src/responses has them.
 */

const TranscriptForReaderSchema = z.object({
  id: z.string(),
  callId: z.string(),
  source: z.enum(['voicemail', 'call']),
  authorPubkey: z.string(),
  createdAt: z.string(),
  ciphertext: z.string(),
  wrap: z.object({ reader: z.string(), wrap: z.string() }).nullable(),
});
export type TranscriptForReaderView = z.infer<typeof TranscriptForReaderSchema>;

const TranscriptListSchema = z.object({ transcripts: z.array(TranscriptForReaderSchema) });
const TranscriptCreatedSchema = z.object({ transcript: TranscriptForReaderSchema });

const TranscriptionModelSchema = z.object({
  sha256: z.string(),
  name: z.string(),
  size: z.number().int(),
  uploadedAt: z.string(),
});
const ModelUploadSchema = z.object({
  upload: z.object({
    id: z.string(),
    name: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    received: z.number().int().min(0),
    chunkBytes: z.number().int().positive(),
  }),
});
const ModelChunkAckSchema = z.object({
  received: z.number().int(),
  complete: z.boolean(),
  model: TranscriptionModelSchema.nullable(),
});

/** The call's transcripts the caller may read, each with only the caller's own wrap. */
export const fetchTranscripts = async (callId: string) =>
  (await request(TranscriptListSchema, 'GET', `/api/calls/${callId}/transcripts`)).transcripts;

/** Stores a transcript sealed for its creator and every current admin (retrying is harmless). */
export const postTranscript = (
  callId: string,
  body: { id: string; source: TranscriptSource; envelope: SealedEnvelope },
) => request(TranscriptCreatedSchema, 'POST', `/api/calls/${callId}/transcripts`, body);

/** Starts the model upload: the server learns the file's name, size and SHA-256 first. */
export const startModelUpload = async (file: { name: string; size: number; sha256: string }) =>
  (await request(ModelUploadSchema, 'POST', '/api/transcription/model/uploads', file)).upload;

/** Sends chunk `index` of the model file, in order; the last answer names the stored model. */
export const putModelChunk = (uploadId: string, index: number, bytes: Uint8Array, sha256: string) =>
  request(ModelChunkAckSchema, 'PUT', `/api/transcription/model/uploads/${uploadId}/chunks/${index}`, bytes, {
    bodySha256: sha256,
  });

/** Removes the hotline's model: transcription becomes unavailable. */
export const deleteModel = () => requestVoid('DELETE', '/api/transcription/model');
