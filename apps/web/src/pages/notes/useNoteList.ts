import type { NoteMeta } from '@llamenos/protocol';
import { FIRST_PAGE, NEXT_PAGES, type OpenedPages, useOpenedPages } from '../../components/useOpenedPages.js';
import { fetchNoteFields, fetchNotePage, type NoteFilters } from '../../lib/notes/api.js';
import { notesPool } from '../../lib/notes/pool.js';
import { type OpenResult, versionKey } from '../../lib/notes/protocol.js';
import { stopPreload } from '../../lib/notes/warm.js';

export interface ListedNote {
  meta: NoteMeta;
  key: string;
  result: OpenResult;
}

export type NoteList = OpenedPages<ListedNote>;

/**
 * Loads the notes matching `filters`, newest first: a small first page, opened and shown at
 * once, then the rest in larger pages in the background. Fetching and opening are pipelined:
 * each page goes to the workers as soon as it arrives (their queues keep them busy), the next
 * one is fetched meanwhile, and the opened pages are shown in order. Ciphertexts are not kept
 * here, only what was opened.
 */
export function useNoteList(filters: NoteFilters): NoteList {
  return useOpenedPages<ListedNote>(
    JSON.stringify(filters),
    async (signal, show) => {
      // The background preload (warm.ts) gives way: what it opened is in the workers' caches.
      stopPreload();
      performance.mark('notes:list-start');
      // Workers start, the fields and the first page load, all at once.
      const pool = notesPool();
      const fields = fetchNoteFields().then((f) => pool.setFields(f));
      // Fields reach the workers before any page: their queues are first in, first out.
      const fieldsSent = fields.catch(() => undefined);
      let shown = Promise.resolve();
      const failures: unknown[] = [];
      const inWorkers: Promise<unknown>[] = [];
      let cursor: string | null = null;
      for (let first = true; ; first = false) {
        // At most two pages wait in the workers' queues: enough to keep them busy.
        await inWorkers[inWorkers.length - 2];
        if (failures.length) throw failures[0];
        const page = await fetchNotePage(filters, first ? FIRST_PAGE : NEXT_PAGES, cursor, signal);
        performance.mark('notes:page-fetched', { detail: page.notes.length });
        if (signal.aborted) return;
        await fieldsSent;
        const opened = pool.open(page.notes);
        // A failed open surfaces through `shown`; this copy only waits for it.
        inWorkers.push(opened.catch(() => undefined));
        const last = !page.nextCursor;
        shown = shown.then(async () => {
          const results = await opened;
          await fields;
          performance.mark('notes:page-opened', { detail: page.notes.length });
          if (signal.aborted) return;
          const listed = page.notes.map((n, i) => {
            const { ciphertext: _c, wrap: _w, ...meta } = n;
            const result = results[i];
            // The pool answers one result per note, in order; anything else is a bug, not a note.
            if (!result) throw new Error('the notes workers returned fewer results than notes');
            return { meta, key: versionKey(n.id, n.version), result };
          });
          show((rows) => [...rows, ...listed], last);
        });
        shown.catch((error: unknown) => failures.push(error));
        if (last) break;
        cursor = page.nextCursor;
      }
      await shown;
    },
    { startEmpty: true },
  );
}
