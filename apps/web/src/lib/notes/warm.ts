import { VaultLockedError } from '../key-workers.js';
import { fetchNoteFields, fetchNotePage, NO_FILTERS } from './api.js';
import { type NotesPool, notesPool } from './pool.js';

let warmed: string | null = null;
let preload: AbortController | null = null;
/** The key for which the notes screen has taken over: no preload starts for it after that. */
let preloadStoppedFor: string | null = null;

/** Newest notes opened ahead of a first visit to /notes, at most this many. */
const PRELOAD_MAX = 10_000;
const PRELOAD_PAGE = 200;
/** Opened in small batches, so a visit to /notes waits behind one batch at most. */
const PRELOAD_BATCH = 50;

/**
 * Called once the member is signed in with the unlocked key, when the page is idle: starts
 * the notes workers (compiling their crypto code) and loads the notes screen's code, then
 * opens the newest notes in the workers, so the first visit to /notes shows notes at once and
 * its search has them already. What is opened stays only in the workers' caches, exactly as
 * after a visit to /notes: the workers hold the key and the caches only while it is unlocked,
 * and locking terminates them. `screenLoaded` is the notes screen's code arriving (the app shell
 * loads it: lib never imports a page); the preload waits for it, so both are ready at once.
 */
export async function warmNotes(screenLoaded: Promise<unknown> = Promise.resolve()): Promise<void> {
  try {
    const pool = notesPool();
    if (warmed === pool.pubkey) return;
    warmed = pool.pubkey;
    await Promise.all([pool.warm(), screenLoaded]);
    if (preloadStoppedFor === pool.pubkey) return;
    const controller = new AbortController();
    preload = controller;
    void preloadNotes(pool, controller.signal)
      .catch(() => undefined)
      .finally(() => {
        if (preload === controller) preload = null;
      });
  } catch (error) {
    if (!(error instanceof VaultLockedError)) throw error;
  }
}

/** The notes screen is loading its own list: the preload stops between batches. */
export function stopPreload(): void {
  preload?.abort();
  preload = null;
  try {
    preloadStoppedFor = notesPool().pubkey;
  } catch (error) {
    if (!(error instanceof VaultLockedError)) throw error;
  }
}

/** Best effort: any failure (a lock terminates the pool, a network error) just ends it. */
async function preloadNotes(pool: NotesPool, signal: AbortSignal): Promise<void> {
  // Every page fetch is handled here, even one abandoned when the preload is stopped.
  const fetchPage = (cursor: string | null) => {
    const page = fetchNotePage(NO_FILTERS, PRELOAD_PAGE, cursor, signal);
    page.catch(() => undefined);
    return page;
  };
  await pool.setFields(await fetchNoteFields());
  if (signal.aborted) return;
  let next = fetchPage(null);
  let loaded = 0;
  while (!signal.aborted) {
    const page = await next;
    loaded += page.notes.length;
    const more = page.nextCursor !== null && loaded < PRELOAD_MAX;
    if (more) next = fetchPage(page.nextCursor);
    for (let i = 0; i < page.notes.length && !signal.aborted; i += PRELOAD_BATCH)
      await pool.open(page.notes.slice(i, i + PRELOAD_BATCH));
    if (!more) return;
  }
}
