import {
  CreateNoteBody,
  GrantBody,
  GrantWorkQuery,
  NoteIdParam,
  NoteListQuery,
  NoteVersionQuery,
  UpdateNoteBody,
} from '@llamenos/protocol';
import { Hono } from 'hono';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { createdOrStored } from '../http/created.js';
import { endpoint } from '../http/endpoint.js';
import { isMember, requires } from '../http/guard.js';
import { jsonLinesResponse } from '../http/json-lines.js';
import { UUID_PATH } from '../http/validate.js';
import { requiredReaders } from './envelope.js';
import { exportNotes } from './export.js';
import { grantStatus, noteGrant } from './grant.js';
import { grantRoutes } from './grant-routes.js';
import { createNote, deleteNote, editNote, getNote, getVersions, listNotes } from './service.js';

/**
 * Call notes. The server stores sealed envelopes it cannot open; the rules live in service.ts.
 *
 * Record id: version N of note X is sealed with purpose `note` and record id `note:X:vN`
 * (`noteRecordId` in @llamenos/protocol), so a ciphertext or wrap moved to another note or
 * version does not open. X is a lowercase UUID the client picks before sealing.
 *
 * Reading needs notes:read-own (own notes); notes:read-all widens it to every note. A note
 * the caller may not read is a 404, exactly like a missing one.
 */

/** Only UUID-shaped segments reach the :id routes, so fixed paths like /notes/export never do. */
const ID = `:id{${UUID_PATH}}`;

export function recordsRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // Who a new note must be sealed for: the caller and every current admin.
  app.get(
    '/records/readers',
    isMember(),
    endpoint({ query: 'none' }, async ({ c }) => ({
      readers: await requiredReaders(ctx.db, memberOf(c).pubkey),
    })),
  );

  // Fixed paths first: they must never be taken for a note id.
  grantRoutes(app, ctx, '/notes', 'notes:read-all', {
    workQuery: GrantWorkQuery,
    work: noteGrant.work,
    batch: GrantBody,
    grant: noteGrant.grant,
    status: grantStatus,
  });

  app.get(
    '/notes/export',
    requires('notes:export'),
    endpoint({ query: 'none' }, async ({ c }) => jsonLinesResponse(c, await exportNotes(ctx, memberOf(c)))),
  );

  app.get(
    '/notes',
    requires('notes:read-own'),
    endpoint({ query: NoteListQuery }, ({ c, query }) => listNotes(ctx, memberOf(c), query)),
  );

  app.post(
    '/notes',
    requires('notes:write'),
    endpoint({ query: 'none', body: CreateNoteBody }, async ({ c, body }) =>
      createdOrStored(c, 'note', await createNote(ctx, memberOf(c), body)),
    ),
  );

  const one = { query: 'none', params: NoteIdParam } as const;
  app.get(
    `/notes/${ID}/versions`,
    requires('notes:read-own'),
    endpoint(one, async ({ c, params }) => ({ versions: await getVersions(ctx, memberOf(c), params.id) })),
  );

  app.get(
    `/notes/${ID}`,
    requires('notes:read-own'),
    endpoint({ query: NoteVersionQuery, params: NoteIdParam }, async ({ c, query, params }) => ({
      note: await getNote(ctx, memberOf(c), params.id, query.version),
    })),
  );

  app.put(
    `/notes/${ID}`,
    requires('notes:write'),
    endpoint({ ...one, body: UpdateNoteBody }, async ({ c, params, body }) => ({
      note: await editNote(ctx, memberOf(c), params.id, body),
    })),
  );

  app.delete(
    `/notes/${ID}`,
    requires('notes:read-all'),
    endpoint({ ...one, status: 204 }, ({ c, params }) => deleteNote(ctx, memberOf(c), params.id)),
  );

  return app;
}
