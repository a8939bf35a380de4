import type { CustomFieldDefinition, GrantWorkItem } from '@llamenos/protocol';
import type { RecordsReply, RecordsRequest } from '../sealed-records-protocol.js';
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

/** The notes workers' own calls (lib/sealed-records-protocol.ts has the calls every kind answers). */
export type NotesOwnCall = { op: 'warm' } | { op: 'fields'; fields: CustomFieldDefinition[] };

export type NotesRequest = RecordsRequest<SealedVersion, GrantWorkItem, NotesOwnCall>;
export type NotesReply = RecordsReply<OpenResult, GrantedWrap>;

/** Cache and search key of a note version. */
export const versionKey = (id: string, version: number) => `${id}:${version}`;
