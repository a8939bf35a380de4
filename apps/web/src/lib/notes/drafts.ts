import {
  decryptContent,
  deriveKey,
  encryptContent,
  fromBase64url,
  LABEL_DRAFT_CONTENT,
  LABEL_DRAFT_KEY,
  toBase64url,
  utf8,
} from '@llamenos/crypto';
import { unlockedSecretKey } from '../vault.js';

/**
 * Unsaved notes, kept on this device only, encrypted under a key derived from the member's
 * secret key (LABEL_DRAFT_KEY) and bound to the note id (record id `draft:<noteId>`). They sit
 * in localStorage, which the panic wipe clears with everything else (lib/vault.ts).
 */
const PREFIX = 'llamenos.note-draft.';

export interface DraftContent {
  callId: string | null;
  text: string;
  values: Record<string, string | boolean>;
}

export interface Draft extends DraftContent {
  noteId: string;
  /** The version an edit started from; null for a note not saved yet. */
  baseVersion: number | null;
  savedAt: string;
}

interface StoredDraft {
  v: 1;
  noteId: string;
  baseVersion: number | null;
  savedAt: string;
  blob: string;
}

const recordId = (noteId: string) => `draft:${noteId}`;

function draftKey(): Uint8Array | null {
  const secret = unlockedSecretKey();
  return secret ? deriveKey(secret, LABEL_DRAFT_KEY) : null;
}

/** Saves (replaces) the draft of a note; false when the vault is locked. */
export function saveDraft(noteId: string, baseVersion: number | null, content: DraftContent): boolean {
  const key = draftKey();
  if (!key) return false;
  try {
    const blob = encryptContent(key, utf8(JSON.stringify(content)), {
      label: LABEL_DRAFT_CONTENT,
      recordId: recordId(noteId),
    });
    const stored: StoredDraft = {
      v: 1,
      noteId,
      baseVersion,
      savedAt: new Date().toISOString(),
      blob: toBase64url(blob),
    };
    localStorage.setItem(PREFIX + noteId, JSON.stringify(stored));
    return true;
  } finally {
    key.fill(0);
  }
}

function openStored(stored: StoredDraft, key: Uint8Array): Draft | null {
  try {
    const plain = decryptContent(key, fromBase64url(stored.blob), {
      label: LABEL_DRAFT_CONTENT,
      recordId: recordId(stored.noteId),
    });
    const content = JSON.parse(new TextDecoder().decode(plain)) as DraftContent;
    return { ...content, noteId: stored.noteId, baseVersion: stored.baseVersion, savedAt: stored.savedAt };
  } catch {
    // Another member's draft on a shared device, or a damaged one: not ours to show.
    return null;
  }
}

function storedDrafts(): StoredDraft[] {
  const out: StoredDraft[] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const name = localStorage.key(i);
    if (!name?.startsWith(PREFIX)) continue;
    try {
      const stored = JSON.parse(localStorage.getItem(name) ?? '') as StoredDraft;
      if (stored?.v === 1 && typeof stored.blob === 'string') out.push(stored);
    } catch {
      // ignore a damaged entry
    }
  }
  return out;
}

/** The draft of an existing note, if this member left one on this device. */
export function loadDraft(noteId: string): Draft | null {
  const key = draftKey();
  if (!key) return null;
  try {
    const raw = localStorage.getItem(PREFIX + noteId);
    if (!raw) return null;
    return openStored(JSON.parse(raw) as StoredDraft, key);
  } catch {
    return null;
  } finally {
    key.fill(0);
  }
}

/** The newest unsaved new note of this member for this call (or without a call). */
export function findNewNoteDraft(callId: string | null): Draft | null {
  const key = draftKey();
  if (!key) return null;
  try {
    return (
      storedDrafts()
        .filter((s) => s.baseVersion === null)
        .map((s) => openStored(s, key))
        .filter((d): d is Draft => d !== null && d.callId === callId)
        .sort((a, b) => b.savedAt.localeCompare(a.savedAt))[0] ?? null
    );
  } finally {
    key.fill(0);
  }
}

export function deleteDraft(noteId: string): void {
  localStorage.removeItem(PREFIX + noteId);
}
