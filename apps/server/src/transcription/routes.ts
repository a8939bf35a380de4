import {
  ClaimVoicemailBody,
  CreateTranscriptBody,
  type ModelChunkAck,
  ModelChunkParam,
  ModelFileParam,
  ModelUploadIdParam,
  StartModelUploadBody,
  TranscriptCallParam,
  TranscriptGrantBody,
  TranscriptGrantWorkQuery,
  type TranscriptList,
} from '@llamenos/protocol';
import type { Hono } from 'hono';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { createdOrStored } from '../http/created.js';
import { isPublic, requires } from '../http/guard.js';
import { routeGroups } from '../http/route-groups.js';
import { noQuery, readJson, readOctetStream, readParams, UUID_PATH } from '../http/validate.js';
import { grantRoutes } from '../records/grant-routes.js';
import { rangeOf } from './byte-range.js';
import { claimVoicemailTranscription } from './claim-service.js';
import {
  cancelModelUpload,
  modelUploadStatus,
  openTranscriptionModel,
  receiveModelChunk,
  removeTranscriptionModel,
  startModelUpload,
} from './model-service.js';
import { transcriptGrant } from './transcript-grant.js';
import { createTranscript, listTranscripts } from './transcript-service.js';

/**
 * The whisper model asset and sealed transcripts (docs/PROTOCOL.md §9.5); the rules live in
 * model-service.ts and transcript-service.ts.
 */

export function transcriptionRoutes(ctx: ServerContext): Hono<AppEnv> {
  return routeGroups(ctx, modelUploadRoutes, modelFileRoutes, transcriptRoutes, claimRoutes);
}

/** The admin's upload of the whisper model, chunk by chunk, and its removal. */
function modelUploadRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  // An admin announces the model file (name, size, SHA-256) and gets an upload to send it to.
  app.post('/transcription/model/uploads', requires('settings:write'), async (c) => {
    noQuery(c);
    const body = await readJson(c, StartModelUploadBody);
    return c.json({ upload: await startModelUpload(ctx, memberOf(c), body) }, 201);
  });

  // Where an interrupted upload continues.
  app.get(`/transcription/model/uploads/:id{${UUID_PATH}}`, requires('settings:write'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, ModelUploadIdParam);
    return c.json({ upload: await modelUploadStatus(ctx, memberOf(c), id) });
  });

  // One chunk of the file as the raw body, in order; the last one completes the upload.
  app.put(
    `/transcription/model/uploads/:id{${UUID_PATH}}/chunks/:index{[0-9]+}`,
    requires('settings:write'),
    async (c) => {
      noQuery(c);
      const { id, index } = readParams(c, ModelChunkParam);
      const bytes = await readOctetStream(c, 'the chunk');
      return c.json((await receiveModelChunk(ctx, memberOf(c), id, index, bytes)) satisfies ModelChunkAck);
    },
  );

  app.delete(`/transcription/model/uploads/:id{${UUID_PATH}}`, requires('settings:write'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, ModelUploadIdParam);
    await cancelModelUpload(ctx, memberOf(c), id);
    return c.body(null, 204);
  });

  // Transcription becomes unavailable until another model is uploaded.
  app.delete('/transcription/model', requires('settings:write'), async (c) => {
    noQuery(c);
    await removeTranscriptionModel(ctx, memberOf(c));
    return c.body(null, 204);
  });
}

function modelFileRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  // The model file: public (the official models are published; it holds nothing of the hotline),
  // named by its content, so browsers keep it in their cache for good and fetch it once. A single
  // byte range is served (206), so a download cut halfway resumes where it stopped.
  app.get('/transcription/models/:sha256{[0-9a-f]{64}}', isPublic(), async (c) => {
    noQuery(c);
    const { sha256 } = readParams(c, ModelFileParam);
    const etag = `"${sha256}"`;
    const headers = {
      'cache-control': 'public, max-age=31536000, immutable',
      etag,
      'accept-ranges': 'bytes',
      'cross-origin-resource-policy': 'same-origin',
    };
    const file = await openTranscriptionModel(ctx, sha256);
    if (
      c.req
        .header('if-none-match')
        ?.split(/\s*,\s*/)
        .includes(etag)
    )
      return c.body(null, 304, headers);
    const range = rangeOf(c.req.header('range'), c.req.header('if-range'), etag, file.size);
    if (range.kind === 'unsatisfiable')
      return c.json(
        {
          error: {
            code: 'bad_request',
            message: `the model file has ${file.size} bytes; ask for a range within them`,
          },
        },
        416,
        { ...headers, 'content-range': `bytes */${file.size}` },
      );
    if (range.kind === 'part')
      return c.body(file.stream(range), 206, {
        ...headers,
        'content-type': 'application/octet-stream',
        'content-length': String(range.end - range.start + 1),
        'content-range': `bytes ${range.start}-${range.end}/${file.size}`,
      });
    return c.body(file.stream(), 200, {
      ...headers,
      'content-type': 'application/octet-stream',
      'content-length': String(file.size),
    });
  });
}

/** Transcripts sealed in the browser, listed per call, and re-wrapped for a new admin. */
function transcriptRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  // A transcript sealed in the browser for its author and every current admin.
  app.post(`/calls/:callId{${UUID_PATH}}/transcripts`, requires('notes:write'), async (c) => {
    noQuery(c);
    const { callId } = readParams(c, TranscriptCallParam);
    const body = await readJson(c, CreateTranscriptBody);
    return createdOrStored(c, 'transcript', await createTranscript(ctx, memberOf(c), callId, body));
  });

  app.get(`/calls/:callId{${UUID_PATH}}/transcripts`, requires('notes:read-own'), async (c) => {
    noQuery(c);
    const { callId } = readParams(c, TranscriptCallParam);
    return c.json({ transcripts: await listTranscripts(ctx, memberOf(c), callId) } satisfies TranscriptList);
  });

  // A new admin's access to the transcripts made before: re-wrapped in an admin's browser.
  grantRoutes(app, ctx, '/transcripts', 'notes:read-all', {
    workQuery: TranscriptGrantWorkQuery,
    work: transcriptGrant.work,
    batch: TranscriptGrantBody,
    grant: transcriptGrant.grant,
  });
}

/** Which admin's browser transcribes a new voicemail automatically (claim-service.ts). */
function claimRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  // Those who may transcribe a voicemail (they open voicemails) claim it before doing so on their own.
  app.post('/transcription/claims', requires('calls:read-all'), async (c) => {
    noQuery(c);
    const { callId } = await readJson(c, ClaimVoicemailBody);
    return c.json({ claim: await claimVoicemailTranscription(ctx, memberOf(c), callId) });
  });
}
