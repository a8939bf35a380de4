import type { NoteMeta } from '@llamenos/protocol';
import { useEffect, useState } from 'react';
import { fetchNoteFields, fetchNotePage, type NoteFilters } from '../../lib/notes/api.js';
import { notesPool } from '../../lib/notes/pool.js';
import { type OpenResult, versionKey } from '../../lib/notes/protocol.js';

export interface ListedNote {
  meta: NoteMeta;
  key: string;
  result: OpenResult;
}

export interface NoteList {
  notes: ListedNote[];
  /** True once every page has been fetched and opened. */
  complete: boolean;
  error: unknown;
}

const FIRST_PAGE = 50;
const NEXT_PAGES = 200;

/**
 * Loads the notes matching `filters`, newest first: a small first page, opened and shown at
 * once, then the rest in larger pages in the background. The next page is fetched while the
 * workers open the current one. Ciphertexts are not kept here, only what was opened.
 */
export function useNoteList(filters: NoteFilters): NoteList {
  const [state, setState] = useState<NoteList>({ notes: [], complete: false, error: null });
  const filterKey = JSON.stringify(filters);

  // biome-ignore lint/correctness/useExhaustiveDependencies: filterKey stands for filters
  useEffect(() => {
    const abort = new AbortController();
    setState({ notes: [], complete: false, error: null });
    (async () => {
      // Workers start, the fields and the first page load, all at once.
      const pool = notesPool();
      const fields = fetchNoteFields().then((f) => pool.setFields(f));
      // A page fetched ahead may fail after this effect was abandoned: that is not an error.
      const ahead = (cursor: string | null) => {
        const page = fetchNotePage(filters, cursor ? NEXT_PAGES : FIRST_PAGE, cursor, abort.signal);
        page.catch(() => undefined);
        return page;
      };
      let next = ahead(null);
      await fields;
      for (;;) {
        const page = await next;
        if (abort.signal.aborted) return;
        if (page.nextCursor) next = ahead(page.nextCursor);
        const results = await pool.open(page.notes);
        if (abort.signal.aborted) return;
        const listed = page.notes.map((n, i) => {
          const { ciphertext: _c, wrap: _w, ...meta } = n;
          return { meta, key: versionKey(n.id, n.version), result: results[i] as OpenResult };
        });
        setState((s) => ({ ...s, notes: [...s.notes, ...listed], complete: !page.nextCursor }));
        if (!page.nextCursor) return;
      }
    })().catch((error: unknown) => {
      if (!abort.signal.aborted) setState((s) => ({ ...s, error }));
    });
    return () => abort.abort();
  }, [filterKey]);

  return state;
}
