import { NotesLockedError, notesPool } from './pool.js';

let warmed: string | null = null;

/**
 * Called once the member is signed in with the unlocked key, when the page is idle: starts
 * the notes workers (compiling their crypto code) and loads the notes screen's code, so the
 * first visit to /notes shows notes at once. The workers hold the key only while it is
 * unlocked, like the page itself; locking terminates them.
 */
export async function warmNotes(): Promise<void> {
  try {
    const pool = notesPool();
    if (warmed === pool.pubkey) return;
    warmed = pool.pubkey;
    await Promise.all([pool.warm(), import('../../pages/notes/NotesPage.js')]);
  } catch (error) {
    if (!(error instanceof NotesLockedError)) throw error;
  }
}
