import { z } from 'zod';
import { deviceDrafts } from '../device-drafts.js';
import { unlockedSecretKey } from '../vault.js';

/**
 * Unsaved notes, kept on this device only (lib/device-drafts.ts): under the unlocked member's
 * key, bound to the note id (record id `draft:<noteId>`), with the version an edit started from
 * stored beside it.
 */
const NoteDraftContent = z.object({
  callId: z.string().nullable(),
  text: z.string(),
  values: z.record(z.string(), z.union([z.string(), z.boolean()])),
});
export type DraftContent = z.infer<typeof NoteDraftContent>;

export interface Draft extends DraftContent {
  noteId: string;
  /** The version an edit started from; null for a note not saved yet. */
  baseVersion: number | null;
  savedAt: string;
}

const noteDrafts = deviceDrafts({
  prefix: 'llamenos.note-draft.',
  idField: 'noteId',
  recordId: (noteId) => `draft:${noteId}`,
  id: z.string().min(1),
  meta: z.object({ baseVersion: z.number().int().nullable() }),
  content: NoteDraftContent,
});

const asDraft = (d: ReturnType<typeof noteDrafts.all>[number]): Draft => ({
  ...d.content,
  noteId: d.id,
  baseVersion: d.meta.baseVersion,
  savedAt: d.savedAt,
});

/** Saves (replaces) the draft of a note; false when the vault is locked. */
export function saveDraft(noteId: string, baseVersion: number | null, content: DraftContent): boolean {
  return noteDrafts.save(unlockedSecretKey(), noteId, { baseVersion }, content);
}

/** The draft of an existing note, if this member left one on this device. */
export function loadDraft(noteId: string): Draft | null {
  const found = noteDrafts.load(unlockedSecretKey(), noteId);
  return found && asDraft(found);
}

/** The newest unsaved new note of this member for this call (or without a call). */
export function findNewNoteDraft(callId: string | null): Draft | null {
  const found = noteDrafts
    .all(unlockedSecretKey())
    .find((d) => d.meta.baseVersion === null && d.content.callId === callId);
  return found ? asDraft(found) : null;
}

export function deleteDraft(noteId: string): void {
  noteDrafts.remove(noteId);
}
