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
import { isMember, requires } from '../http/guard.js';
import { jsonLinesResponse } from '../http/json-lines.js';
import { noQuery, readJson, readParams, readQuery, UUID_PATH } from '../http/validate.js';
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
  app.get('/records/readers', isMember(), async (c) => {
    noQuery(c);
    return c.json({ readers: await requiredReaders(ctx.db, memberOf(c).pubkey) });
  });

  // Fixed paths first: they must never be taken for a note id.
  grantRoutes(app, ctx, '/notes', 'notes:read-all', {
    workQuery: GrantWorkQuery,
    work: noteGrant.work,
    batch: GrantBody,
    grant: noteGrant.grant,
    status: grantStatus,
  });

  app.get('/notes/export', requires('notes:export'), async (c) => {
    noQuery(c);
    const stream = await exportNotes(ctx, memberOf(c));
    return jsonLinesResponse(c, stream);
  });

  app.get('/notes', requires('notes:read-own'), async (c) => {
    const q = readQuery(c, NoteListQuery);
    return c.json(await listNotes(ctx, memberOf(c), q));
  });

  app.post('/notes', requires('notes:write'), async (c) => {
    noQuery(c);
    const body = await readJson(c, CreateNoteBody);
    return createdOrStored(c, 'note', await createNote(ctx, memberOf(c), body));
  });

  app.get(`/notes/${ID}/versions`, requires('notes:read-own'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, NoteIdParam);
    return c.json({ versions: await getVersions(ctx, memberOf(c), id) });
  });

  app.get(`/notes/${ID}`, requires('notes:read-own'), async (c) => {
    const { version } = readQuery(c, NoteVersionQuery);
    const { id } = readParams(c, NoteIdParam);
    return c.json({ note: await getNote(ctx, memberOf(c), id, version) });
  });

  app.put(`/notes/${ID}`, requires('notes:write'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, NoteIdParam);
    const body = await readJson(c, UpdateNoteBody);
    return c.json({ note: await editNote(ctx, memberOf(c), id, body) });
  });

  app.delete(`/notes/${ID}`, requires('notes:read-all'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, NoteIdParam);
    await deleteNote(ctx, memberOf(c), id);
    return c.body(null, 204);
  });

  return app;
}
