import {
  AttachmentResponse,
  ChunkAckSchema,
  type CreateAttachmentBody,
  UploadStatusSchema,
} from '@llamenos/protocol';
import { apiStream, request, requestVoid } from './http.js';

/**
 * The attachment upload and download routes (PROTOCOL.md §10.2): a stream header, key wraps and
 * sealed chunks in, upload state out. Encrypting and decrypting happen in lib/attachments.
 */

/** Opens an upload on a report (the same id and header again answers the same upload). */
export const createAttachment = async (reportId: string, body: CreateAttachmentBody) =>
  (await request(AttachmentResponse, 'POST', `/api/reports/${reportId}/attachments`, body)).attachment;

/**
 * Sends sealed chunk `index`: the body is the bytes as they are, signed with the SHA-256 the
 * upload worker computed (so the page thread never hashes half a megabyte per request).
 */
export const putAttachmentChunk = (
  id: string,
  index: number,
  sealed: Uint8Array | Blob,
  sha256: string,
  signal?: AbortSignal,
) =>
  request(ChunkAckSchema, 'PUT', `/api/attachments/${id}/chunks/${index}`, sealed, {
    bodySha256: sha256,
    ...(signal ? { signal } : {}),
  });

/** Where an interrupted upload continues, with the hash of its last acknowledged chunk. */
export const fetchUploadStatus = (id: string) =>
  request(UploadStatusSchema, 'GET', `/api/attachments/${id}/upload`);

/** The encrypted file (a §10 stream), read as it arrives. */
export const fetchAttachmentContent = (id: string, signal?: AbortSignal) =>
  apiStream(`/api/attachments/${id}/content`, signal ? { signal } : {});

/** Cancels an upload (or removes a stored attachment, for a report admin). */
export const deleteAttachment = (id: string) => requestVoid('DELETE', `/api/attachments/${id}`);
