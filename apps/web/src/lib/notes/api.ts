import { PURPOSES, type SealedEnvelope, sealForReaders, utf8 } from '@llamenos/crypto';
import { type CustomFieldDefinition, type NoteMeta, noteRecordId } from '@llamenos/protocol';
import {
  ApiRequestError,
  fetchGrantStatus,
  fetchGrantWork,
  fetchNoteReaders,
  fetchNotes,
  fetchNote as fetchNoteVersion,
  fetchNoteVersions,
  fetchPublicSettings,
  postGrant as postGrantWraps,
  postNote,
  putNote,
} from '../api/index.js';
import { listPageFetcher, listPagePath } from '../list-query.js';
import type { NotePayload } from './payload.js';

/** Filters of the notes list, as the form holds them (dates as yyyy-mm-dd, local time). */
export interface NoteFilters {
  from: string;
  to: string;
  authorPubkey: string;
  callId: string;
}

export const NO_FILTERS: NoteFilters = { from: '', to: '', authorPubkey: '', callId: '' };

const listQuery = (filters: NoteFilters, limit: number, cursor: string | null): string =>
  listPagePath('/api/notes', filters, limit, cursor);

export const fetchNotePage = listPageFetcher(listQuery, fetchNotes);

export const fetchNote = (id: string, version?: number) => fetchNoteVersion(id, version);

export const fetchVersions = (id: string) => fetchNoteVersions(id);

/** The hotline's custom note fields, in form order. */
export async function fetchNoteFields(): Promise<CustomFieldDefinition[]> {
  const settings = await fetchPublicSettings();
  return [...settings.customFields].sort((a, b) => a.order - b.order);
}

export const fetchReaders = () => fetchNoteReaders();

/** Seals one note version for its readers (docs/PROTOCOL.md §9.1). */
export function sealNote(
  payload: NotePayload,
  id: string,
  version: number,
  readers: string[],
): SealedEnvelope {
  return sealForReaders(utf8(JSON.stringify(payload)), readers, {
    purpose: PURPOSES.note,
    recordId: noteRecordId(id, version),
  });
}

/** The server names missing or unexpected readers when the set of admins changed meanwhile. */
function readersChanged(error: unknown): boolean {
  if (!(error instanceof ApiRequestError) || error.status !== 400) return false;
  const details = error.details as { missingReaders?: unknown; unexpectedReaders?: unknown } | undefined;
  return Array.isArray(details?.missingReaders) || Array.isArray(details?.unexpectedReaders);
}

/** Seals for the current readers and sends; when the admins changed meanwhile, seals again once. */
async function sealAndSend(
  payload: NotePayload,
  id: string,
  version: number,
  send: (envelope: SealedEnvelope) => Promise<NoteMeta>,
): Promise<NoteMeta> {
  try {
    return await send(sealNote(payload, id, version, await fetchReaders()));
  } catch (error) {
    if (!readersChanged(error)) throw error;
    return send(sealNote(payload, id, version, await fetchReaders()));
  }
}

/** Version 1 of a new note, under an id chosen here before sealing. */
export const createNote = (id: string, callId: string | null, payload: NotePayload) =>
  sealAndSend(payload, id, 1, async (envelope) => {
    return postNote({ id, ...(callId ? { callId } : {}), envelope });
  });

/** Version n+1 of a note, sealed under a new key; refused with 409 if someone saved version n+1 first. */
export const editNote = (id: string, expectedVersion: number, payload: NotePayload) =>
  sealAndSend(payload, id, expectedVersion + 1, async (envelope) => {
    return putNote(id, expectedVersion, envelope);
  });

export const grantStatus = (reader: string) => fetchGrantStatus(reader);

export const grantWork = (reader: string, after: string | null, limit: number) =>
  fetchGrantWork(reader, after, limit);

export const postGrant = (reader: string, wraps: { noteId: string; version: number; wrap: string }[]) =>
  postGrantWraps(reader, wraps);
