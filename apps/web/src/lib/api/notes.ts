import type { SealedEnvelope } from '@llamenos/crypto';
import {
  GrantResultSchema,
  GrantStatusSchema,
  GrantWorkSchema,
  NoteExportLineSchema,
  NoteMetaResponse,
  NotePageSchema,
  NoteReadersSchema,
  NoteResponse,
  NoteVersionsResponse,
} from '@llamenos/protocol';
import { grantStatusPath, grantWorkPath } from './grants.js';
import { request, requestJsonLines } from './http.js';

/**
 * The notes routes as the web client uses them: ciphertext and wraps in, metadata out. Sealing
 * and opening happen elsewhere (lib/notes), never here.
 */

/** A page of notes; `query` is the list's path with its filters and cursor (lib/notes builds it). */
export const fetchNotes = (path: string, signal?: AbortSignal) =>
  request(NotePageSchema, 'GET', path, undefined, signal ? { signal } : {});

/** One version of a note (the current one by default), with only the caller's own wrap. */
export const fetchNote = async (id: string, version?: number) =>
  (await request(NoteResponse, 'GET', `/api/notes/${id}${version ? `?version=${version}` : ''}`)).note;

export const fetchNoteVersions = async (id: string) =>
  (await request(NoteVersionsResponse, 'GET', `/api/notes/${id}/versions`)).versions;

/** Every key a new note of the caller must be sealed for (the caller and every admin). */
export const fetchNoteReaders = async () =>
  (await request(NoteReadersSchema, 'GET', '/api/records/readers')).readers;

export const postNote = async (body: { id: string; callId?: string; envelope: SealedEnvelope }) =>
  (await request(NoteMetaResponse, 'POST', '/api/notes', body)).note;

export const putNote = async (id: string, expectedVersion: number, envelope: SealedEnvelope) =>
  (await request(NoteMetaResponse, 'PUT', `/api/notes/${id}`, { expectedVersion, envelope })).note;

export const fetchGrantStatus = (reader: string) =>
  request(GrantStatusSchema, 'GET', grantStatusPath('notes', reader));

export const fetchGrantWork = (reader: string, after: string | null, limit: number) =>
  request(GrantWorkSchema, 'GET', grantWorkPath('notes', reader, after, limit));

export const postGrant = (reader: string, wraps: { noteId: string; version: number; wrap: string }[]) =>
  request(GrantResultSchema, 'POST', '/api/notes/grant', { reader, wraps });

/**
 * Every note the admin may read, with the admin's own wrap, then the count (the end line): the
 * export's lines, signed with the unlocked key the notes are opened with.
 */
export const fetchNoteExportLines = (key: Uint8Array) =>
  requestJsonLines(NoteExportLineSchema, '/api/notes/export', { signWith: key });
