import type { CustomFieldDefinition, GrantWorkItem } from '@llamenos/protocol';
import type { FieldProblem, LoosePayload, NotePayload } from './payload.js';

/** One version of a note as the server sends it to a reader: ciphertext and the reader's own wrap. */
export interface SealedVersion {
  id: string;
  version: number;
  ciphertext: string;
  wrap: { reader: string; wrap: string } | null;
}

/**
 * The outcome of opening one note version:
 * - ok: decrypted and valid under the current custom fields;
 * - mismatch: decrypted, but does not match the current fields (shown with a notice, not hidden);
 * - failed: not opened. `no-wrap`: not shared with this key (yet); `decrypt`: the key wrap or
 *   ciphertext did not authenticate (altered, moved, or for someone else); `malformed`: it
 *   decrypted but is not a note payload.
 */
export type OpenResult =
  | { key: string; status: 'ok'; payload: NotePayload }
  | { key: string; status: 'mismatch'; payload: LoosePayload; problems: Record<string, FieldProblem> }
  | { key: string; status: 'failed'; reason: 'no-wrap' | 'decrypt' | 'malformed' };

export interface GrantedWrap {
  noteId: string;
  version: number;
  wrap: string;
}

/** Requests from the UI thread to a notes worker. */
export type NotesCall =
  | { op: 'init'; secretKey: Uint8Array; publicKey: string }
  | { op: 'warm' }
  | { op: 'fields'; fields: CustomFieldDefinition[] }
  | { op: 'open'; notes: SealedVersion[] }
  | { op: 'search'; query: string; keys: string[] | null }
  | { op: 'rewrap'; reader: string; items: GrantWorkItem[] };

export type NotesReply =
  | { ok: true; done: true }
  | { ok: true; results: OpenResult[] }
  | { ok: true; keys: string[] }
  | { ok: true; wraps: GrantedWrap[]; failed: number };

export type NotesRequest = NotesCall & { id: number };
export type NotesResponse = { id: number } & (NotesReply | { ok: false; message: string });

/** Cache and search key of a note version. */
export const versionKey = (id: string, version: number) => `${id}:${version}`;
