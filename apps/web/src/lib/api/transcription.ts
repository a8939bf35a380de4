import type { SealedEnvelope } from '@llamenos/crypto';
import {
  ModelChunkAckSchema,
  ModelUploadResponse,
  type TranscriptForReader,
  TranscriptGrantResultSchema,
  TranscriptGrantWorkSchema,
  TranscriptListSchema,
  TranscriptResponse,
  type TranscriptSource,
  VoicemailClaimResponse,
} from '@llamenos/protocol';
import { request, requestVoid } from './http.js';

/**
 * The transcription routes as the web client uses them: the model asset (uploaded once by an
 * admin, served publicly by its SHA-256) and sealed transcripts of a call. Audio and text never
 * pass here in the clear: sealing and opening happen in lib/transcription.
 */

export type TranscriptForReaderView = TranscriptForReader;

/** The call's transcripts the caller may read, each with only the caller's own wrap. */
export const fetchTranscripts = async (callId: string) =>
  (await request(TranscriptListSchema, 'GET', `/api/calls/${callId}/transcripts`)).transcripts;

/** Stores a transcript sealed for its creator and every current admin (retrying is harmless). */
export const postTranscript = (
  callId: string,
  body: { id: string; source: TranscriptSource; envelope: SealedEnvelope },
) => request(TranscriptResponse, 'POST', `/api/calls/${callId}/transcripts`, body);

/** Starts the model upload: the server learns the file's name, size and SHA-256 first. */
export const startModelUpload = async (file: { name: string; size: number; sha256: string }) =>
  (await request(ModelUploadResponse, 'POST', '/api/transcription/model/uploads', file)).upload;

/** Sends chunk `index` of the model file, in order; the last answer names the stored model. */
export const putModelChunk = (uploadId: string, index: number, bytes: Uint8Array, sha256: string) =>
  request(ModelChunkAckSchema, 'PUT', `/api/transcription/model/uploads/${uploadId}/chunks/${index}`, bytes, {
    bodySha256: sha256,
  });

/** Removes the hotline's model: transcription becomes unavailable. */
export const deleteModel = () => requestVoid('DELETE', '/api/transcription/model');

/** Transcripts `reader` (a new admin) has no wrap for yet, each with the caller's own wrap. */
export const transcriptGrantWork = (reader: string, after: string | null, limit: number) =>
  request(
    TranscriptGrantWorkSchema,
    'GET',
    `/api/transcripts/grant-work?reader=${reader}&limit=${limit}${after ? `&after=${after}` : ''}`,
  );

/** Stores transcript key wraps made in this browser for `reader`; repeating a batch changes nothing. */
export const postTranscriptGrant = (reader: string, wraps: { transcriptId: string; wrap: string }[]) =>
  request(TranscriptGrantResultSchema, 'POST', '/api/transcripts/grant', { reader, wraps });

/**
 * Asks to be the admin whose browser transcribes this voicemail automatically (a lease); only
 * `claimed: true` means go on.
 */
export const claimVoicemailTranscription = async (callId: string) =>
  (await request(VoicemailClaimResponse, 'POST', '/api/transcription/claims', { callId })).claim;
