import {
  type CreateNoteBody,
  hasPermission,
  type NoteForReader,
  type NoteListQuery,
  type NoteMeta,
  type NotePage,
  type NoteVersionInfo,
  type UpdateNoteBody,
} from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import { pageOf, pageRequest } from '../db/newest-first.js';
import type { Member } from '../domain/actor.js';
import { conflict, forbidden, gone, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { authorScope } from './author-scope.js';
import { checkReaders, requiredReaders } from './envelope.js';
import { sealedWrite } from './sealed-write.js';
import * as store from './store.js';

/** The member making a request, as the routes pass it down. */
/** Who reads or writes notes: a signed-in member. */
export type NoteCaller = Member;

export const readsAll = (caller: NoteCaller) => hasPermission(caller.permissions, 'notes:read-all');

/**
 * A note the caller may not read answers exactly like a note that does not exist (404), so
 * volunteers cannot probe for other volunteers' note ids.
 */
function visible(note: store.NoteRow | null, caller: NoteCaller): store.NoteRow {
  if (!note || !(readsAll(caller) || note.authorId === caller.userId)) throw notFound('no such note');
  if (note.deletedAt) throw gone('this note was deleted');
  return note;
}

/**
 * Stores version 1 of a new note. A retry of the very same request (same author, same
 * ciphertext) answers like the first one instead of 409, so a client that lost the response
 * can safely send again.
 */
export async function createNote(
  ctx: ServerContext,
  caller: NoteCaller,
  body: CreateNoteBody,
): Promise<{ note: NoteMeta; created: boolean }> {
  return sealedWrite(ctx, body.envelope, async (tx, now) => {
    checkReaders(body.envelope, await requiredReaders(tx, caller.pubkey));
    const row = {
      id: body.id,
      callId: body.callId ?? null,
      authorId: caller.userId,
      authorPubkey: caller.pubkey,
      currentVersion: 1,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await store.insertNote(tx, row))) {
      const existing = await store.readNote(tx, body.id);
      if (
        existing &&
        !existing.deletedAt &&
        existing.authorId === caller.userId &&
        (await store.firstCiphertext(tx, body.id)) === body.envelope.ciphertext
      )
        return { note: store.metaOf(existing), created: false };
      throw conflict('a note with this id already exists; choose a new id and seal again');
    }
    await store.insertVersion(tx, {
      noteId: body.id,
      version: 1,
      ciphertext: body.envelope.ciphertext,
      wraps: body.envelope.wraps,
      createdAt: now,
      createdBy: caller.pubkey,
    });
    await auditActionInTx(tx, caller, now, {
      action: 'records.note-created',
      target: `note:${body.id}`,
      details: {
        version: 1,
        readers: body.envelope.wraps.length,
        ...(body.callId ? { callId: body.callId } : {}),
      },
    });
    return { note: store.metaOf({ ...row, deletedAt: null }), created: true };
  });
}

/** Adds a new version sealed under a new key; earlier versions stay readable as history. */
export async function editNote(
  ctx: ServerContext,
  caller: NoteCaller,
  id: string,
  body: UpdateNoteBody,
): Promise<NoteMeta> {
  return sealedWrite(ctx, body.envelope, async (tx, now) => {
    const note = visible(await store.readNote(tx, id, true), caller);
    if (note.authorId !== caller.userId) throw forbidden('only the author edits a note');
    if (note.currentVersion !== body.expectedVersion)
      throw conflict(
        `the note changed since you loaded it (you edited version ${body.expectedVersion}, it is at ${note.currentVersion}); reload it`,
        { currentVersion: note.currentVersion },
      );
    checkReaders(body.envelope, await requiredReaders(tx, note.authorPubkey));
    const version = note.currentVersion + 1;
    await store.insertVersion(tx, {
      noteId: id,
      version,
      ciphertext: body.envelope.ciphertext,
      wraps: body.envelope.wraps,
      createdAt: now,
      createdBy: caller.pubkey,
    });
    // Locked above, so this cannot lose a race; the condition is kept as a second guard.
    if (!(await store.bumpVersion(tx, id, note.currentVersion, version, now)))
      throw conflict('the note changed meanwhile; reload it');
    await auditActionInTx(tx, caller, now, {
      action: 'records.note-edited',
      target: `note:${id}`,
      details: { version, readers: body.envelope.wraps.length },
    });
    return store.metaOf({ ...note, currentVersion: version, updatedAt: now });
  });
}

/** Volunteers see their own notes; holders of notes:read-all see everyone's. */
export async function listNotes(ctx: ServerContext, caller: NoteCaller, q: NoteListQuery): Promise<NotePage> {
  const all = readsAll(caller);
  const authors = authorScope(caller, q.authorPubkey, {
    readsAll: all,
    everyone: all,
    refusal: "filtering by another volunteer's notes needs notes:read-all",
  });
  const notes = await store.listForReader(
    ctx.db,
    {
      ...authors,
      ...(q.callId ? { callId: q.callId } : {}),
      ...pageRequest(q),
    },
    caller.pubkey,
  );
  const { page, nextCursor } = pageOf(notes, q.limit);
  return { notes: page, nextCursor };
}

/** One version (the current one by default) with the caller's own wrap. */
export async function getNote(
  ctx: ServerContext,
  caller: NoteCaller,
  id: string,
  version?: number,
): Promise<NoteForReader> {
  const note = visible(await store.readNote(ctx.db, id), caller);
  const found = await store.readVersionFor(ctx.db, id, version ?? note.currentVersion, caller.pubkey);
  if (!found) throw notFound(`note ${id} has no version ${version}`);
  return found;
}

export async function getVersions(
  ctx: ServerContext,
  caller: NoteCaller,
  id: string,
): Promise<NoteVersionInfo[]> {
  visible(await store.readNote(ctx.db, id), caller);
  return store.listVersions(ctx.db, id);
}

/** Deletes a note's content for good, keeping a tombstone; audited in the same transaction. */
export async function deleteNote(ctx: ServerContext, caller: NoteCaller, id: string): Promise<void> {
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    const note = visible(await store.readNote(tx, id, true), caller);
    await store.tombstone(tx, id, now);
    await auditActionInTx(tx, caller, now, {
      action: 'records.note-deleted',
      target: `note:${id}`,
      details: { versions: note.currentVersion, authorPubkey: note.authorPubkey },
    });
  });
}
