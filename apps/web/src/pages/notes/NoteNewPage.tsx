import { NoteCallId } from '@llamenos/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { navigate } from '../../app/router.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { SubpageOf } from '../../components/SealedPages.js';
import { findNewNoteDraft } from '../../lib/notes/drafts.js';
import { type EditorStart, NoteEditor } from './NoteEditor.js';
import { BACK_TO_NOTES, KeyNeeded, useNoteFields } from './shared.js';
import './notes.css';

function callIdFromUrl(): string | null {
  const raw = new URLSearchParams(location.search).get('callId');
  return raw && NoteCallId.safeParse(raw).success ? raw : null;
}

/** /notes/new?callId=…: a new note, picking up this call's unsaved draft if there is one. */
export function NoteNewPage() {
  const { t } = useTranslation();
  return (
    <SubpageOf title={t('notes.newTitle')} back={BACK_TO_NOTES}>
      <KeyNeeded>
        <NewNote callId={callIdFromUrl()} />
      </KeyNeeded>
    </SubpageOf>
  );
}

/** A new note, for the call `callId` when it is written during or after one. */
function NewNote({ callId }: { callId: string | null }) {
  const { t } = useTranslation();
  const fields = useNoteFields();
  const [start] = useState<EditorStart>(() => {
    const draft = findNewNoteDraft(callId);
    const original = { text: '', values: {} };
    return draft
      ? {
          noteId: draft.noteId,
          baseVersion: null,
          callId,
          text: draft.text,
          values: draft.values,
          restored: draft,
          original,
        }
      : { noteId: crypto.randomUUID(), baseVersion: null, callId, ...original, restored: null, original };
  });
  if (fields.error) return <ErrorMessage error={fields.error} />;
  if (!fields.data) return <p aria-busy="true">{t('app.loading')}</p>;
  return <NoteEditor start={start} fields={fields.data} onSaved={(note) => navigate(`/notes/${note.id}`)} />;
}
