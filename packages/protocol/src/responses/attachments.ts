import { z } from 'zod';
import type { ChunkAck, UploadStatus } from '../reports.js';
import { AttachmentViewSchema } from './reports.js';

/** Answers of the attachment upload routes, as the web client checks them on arrival. */

/** `POST /api/reports/:id/attachments` (201, or 200 when the same upload is opened again). */
export const AttachmentResponse = z.object({ attachment: AttachmentViewSchema });

/** `GET /api/attachments/:id/upload`. */
export const UploadStatusSchema = z.object({
  attachment: AttachmentViewSchema,
  header: z.string(),
  lastChunkSha256: z.string().nullable(),
  firstChunkSha256: z.string().nullable(),
}) satisfies z.ZodType<UploadStatus>;

/** `PUT /api/attachments/:id/chunks/:index`. */
export const ChunkAckSchema = z.object({
  received: z.number().int(),
  complete: z.boolean(),
}) satisfies z.ZodType<ChunkAck>;
