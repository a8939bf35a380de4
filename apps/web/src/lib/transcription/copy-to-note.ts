import { findNewNoteDraft, saveDraft } from '../notes/drafts.js';

/**
 * "Copy into a note": the transcript text becomes (or is appended to) this device's encrypted
 * draft of a new note for the call, which the note editor at /notes/new?callId=… picks up. The
 * text is also put on the clipboard where the browser allows it. Returns the editor's address.
 */
export async function copyTranscriptIntoNote(callId: string, text: string): Promise<string> {
  const draft = findNewNoteDraft(callId);
  const noteId = draft?.noteId ?? crypto.randomUUID();
  const body = draft?.text ? `${draft.text}\n\n${text}` : text;
  saveDraft(noteId, null, { callId, text: body, values: draft?.values ?? {} });
  await navigator.clipboard?.writeText(text).catch(() => undefined);
  return `/notes/new?callId=${encodeURIComponent(callId)}`;
}
