import type { CustomFieldDefinition, NoteForReader } from '@llamenos/protocol';
import { queryOptions } from '@tanstack/react-query';
import { fetchNote, fetchNoteFields, fetchVersions } from '../../lib/notes/api.js';
import { notesPool } from '../../lib/notes/pool.js';
import type { OpenResult } from '../../lib/notes/protocol.js';
import { queryKeys } from '../../lib/queries/index.js';

export interface OpenedNote {
  note: NoteForReader;
  result: OpenResult;
}

/** Fetches one version (the current one by default) and opens it with this reader's own wrap. */
async function openVersion(
  id: string,
  fields: CustomFieldDefinition[],
  version?: number,
): Promise<OpenedNote> {
  const pool = notesPool();
  await pool.setFields(fields);
  const note = await fetchNote(id, version);
  const [result] = await pool.open([note]);
  if (!result) throw new Error('no result');
  return { note, result };
}

/** The notes pages' reads, keyed from lib/queries/keys.ts. */
export const noteQueries = {
  fields: () => queryOptions({ queryKey: queryKeys.noteFields, queryFn: fetchNoteFields }),
  versions: (id: string) =>
    queryOptions({ queryKey: queryKeys.noteVersions(id), queryFn: () => fetchVersions(id) }),
  /**
   * A version opened in this browser. Its plaintext is dropped from the cache as soon as no
   * screen shows it (gcTime 0): a decrypted note never outlives the page that shows it.
   */
  opened: (id: string, fields: CustomFieldDefinition[] | undefined, version?: number) =>
    queryOptions({
      queryKey: [...queryKeys.note(id, version), 'opened'] as const,
      queryFn: () => openVersion(id, fields ?? [], version),
      enabled: fields !== undefined,
      gcTime: 0,
    }),
};
