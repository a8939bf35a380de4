import {
  AttachmentChunkParam,
  AttachmentIdParam,
  type ChunkAck,
  CreateAttachmentBody,
  ReportIdParam,
  type UploadStatus,
} from '@llamenos/protocol';
import { Hono } from 'hono';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { createdOrStored } from '../http/created.js';
import { endpoint } from '../http/endpoint.js';
import { requires } from '../http/guard.js';
import { sealedFileResponse } from '../http/sealed-file.js';
import { readOctetStream, UUID_PATH } from '../http/validate.js';
import { deleteAttachment, openAttachment } from './service.js';
import { createAttachment, receiveChunk, uploadStatus } from './upload.js';

/**
 * Chunked attachment uploads and downloads (docs/PROTOCOL.md §10.2); the rules live in
 * upload.ts and service.ts. An upload belongs to its uploader (anyone else gets 404); a download needs sight
 * of the report (its author or a report admin). A conversation's media is downloaded through the
 * same service under its conversation's URL (conversations/routes.ts), never here.
 */

const ID = `:id{${UUID_PATH}}`;

export function attachmentsRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // Opens an upload on the caller's own report: the stream header, chunk count and key wraps.
  app.post(
    `/reports/${ID}/attachments`,
    requires('reports:write'),
    endpoint(
      { query: 'none', params: ReportIdParam, body: CreateAttachmentBody },
      async ({ c, params, body }) =>
        createdOrStored(c, 'attachment', await createAttachment(ctx, memberOf(c), params.id, body)),
    ),
  );

  // One sealed chunk as the raw body; at most one chunk (2^UPLOAD_CHUNK_LOG2_MAX + 16 bytes) is ever held.
  app.put(
    `/attachments/${ID}/chunks/:index{[0-9]+}`,
    requires('reports:write'),
    endpoint({ query: 'none', params: AttachmentChunkParam }, async ({ c, params }) => {
      const bytes = await readOctetStream(c, 'the sealed chunk');
      const { id, index } = params;
      return (await receiveChunk(ctx, memberOf(c), id, index, bytes, c.get('bodySha256'))) satisfies ChunkAck;
    }),
  );

  const one = { query: 'none', params: AttachmentIdParam } as const;
  // Where an interrupted upload continues.
  app.get(
    `/attachments/${ID}/upload`,
    requires('reports:write'),
    endpoint(
      one,
      async ({ c, params }) => (await uploadStatus(ctx, memberOf(c), params.id)) satisfies UploadStatus,
    ),
  );

  // The sealed stream, from disk as it is stored; only a complete upload has one.
  app.get(
    `/attachments/${ID}/content`,
    requires('reports:read-own'),
    endpoint(one, async ({ c, params }) =>
      sealedFileResponse(c, await openAttachment(ctx, memberOf(c), { kind: 'report', id: params.id })),
    ),
  );

  // The uploader cancels an unfinished upload; a report admin removes any attachment.
  app.delete(
    `/attachments/${ID}`,
    requires('reports:read-own'),
    endpoint({ ...one, status: 204 }, ({ c, params }) => deleteAttachment(ctx, memberOf(c), params.id)),
  );

  return app;
}
