import type { CustomFieldDefinition, NoteMeta } from '@llamenos/protocol';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { UserText, userTextIn } from '../../components/UserText.js';
import { createNote, editNote } from '../../lib/notes/api.js';
import { type Draft, deleteDraft, saveDraft } from '../../lib/notes/drafts.js';
import { checkPayload, type FieldProblem, payloadFromForm } from '../../lib/notes/payload.js';

const AUTOSAVE_MS = 3000;

export interface EditorStart {
  noteId: string;
  /** The version being edited; null for a new note. */
  baseVersion: number | null;
  callId: string | null;
  text: string;
  values: Record<string, string | boolean>;
  /** Set when the start state came from a local draft. */
  restored: Draft | null;
  /** What discarding the draft goes back to: the saved note, or an empty form. */
  original: { text: string; values: Record<string, string | boolean> };
}

/**
 * The note form: text and the hotline's custom fields. Required fields are enforced here
 * (and every decrypted note is checked again). The form autosaves an encrypted draft on this
 * device every few seconds and whenever focus leaves a field; a successful save deletes it.
 */
export function NoteEditor({
  start,
  fields,
  onSaved,
  onCancel,
}: {
  start: EditorStart;
  fields: CustomFieldDefinition[];
  onSaved: (note: NoteMeta) => void;
  onCancel?: () => void;
}) {
  const { t, i18n } = useTranslation();
  const [text, setText] = useState(start.text);
  const [values, setValues] = useState(start.values);
  const [problems, setProblems] = useState<Record<string, FieldProblem>>({});
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [draftSavedAt, setDraftSavedAt] = useState<string | null>(null);
  const [restored, setRestored] = useState(start.restored);
  const dirty = useRef(false);
  const saved = useRef(false);
  const latest = useRef({ text, values });
  latest.current = { text, values };
  const summaryRef = useRef<HTMLDivElement>(null);

  const persistDraft = () => {
    if (!dirty.current || saved.current) return;
    const ok = saveDraft(start.noteId, start.baseVersion, { callId: start.callId, ...latest.current });
    if (ok) {
      dirty.current = false;
      setDraftSavedAt(new Date().toISOString());
    }
  };
  const persistRef = useRef(persistDraft);
  persistRef.current = persistDraft;

  useEffect(() => {
    const timer = setInterval(() => persistRef.current(), AUTOSAVE_MS);
    return () => {
      clearInterval(timer);
      persistRef.current();
    };
  }, []);

  const change = (update: () => void) => {
    dirty.current = true;
    update();
  };

  function discardDraft() {
    deleteDraft(start.noteId);
    setRestored(null);
    dirty.current = false;
    setText(start.original.text);
    setValues(start.original.values);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const payload = payloadFromForm(text, values, fields);
    const check = checkPayload(payload, fields);
    if (!check.ok) {
      setProblems(check.problems);
      summaryRef.current?.focus();
      return;
    }
    setProblems({});
    setSaving(true);
    try {
      const note =
        start.baseVersion === null
          ? await createNote(start.noteId, start.callId, check.payload)
          : await editNote(start.noteId, start.baseVersion, check.payload);
      saved.current = true;
      deleteDraft(start.noteId);
      onSaved(note);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  }

  const problemOf = (id: string) => problems[id];
  const describe = (id: string) => (problemOf(id) ? `note-problem-${id}` : undefined);
  const problemText = (id: string) => {
    const p = problemOf(id);
    return p ? (
      <p id={`note-problem-${id}`} className="error">
        {t(`notes.fieldProblem.${p}`)}
      </p>
    ) : null;
  };
  const problemCount = Object.keys(problems).length;

  return (
    <form className="note-editor" noValidate onSubmit={submit} onBlur={() => persistDraft()}>
      {restored && (
        <div className="panel notice" role="status">
          <p>{t('notes.draftRestored', { when: formatDateTime(restored.savedAt, i18n.language) })}</p>
          <button type="button" className="secondary" onClick={discardDraft}>
            {t('notes.discardDraft')}
          </button>
        </div>
      )}
      <div ref={summaryRef} tabIndex={-1}>
        {problemCount > 0 && (
          <p role="alert" className="error">
            {t('notes.fixProblems', { count: problemCount })}
          </p>
        )}
      </div>
      {start.callId && <p className="hint">{t('notes.forCall', { callId: start.callId })}</p>}
      <label htmlFor="note-text">{t('notes.text')}</label>
      <textarea
        id="note-text"
        rows={8}
        value={text}
        aria-invalid={problemOf('text') ? true : undefined}
        aria-describedby={describe('text')}
        onChange={(e) => change(() => setText(e.target.value))}
      />
      {problemText('text')}
      {fields.map((field) => {
        const id = `note-field-${field.id}`;
        const caption = field.required ? (
          userTextIn(t, 'notes.requiredLabel', { label: field.label })
        ) : (
          <UserText>{field.label}</UserText>
        );
        const common = {
          id,
          'aria-invalid': problemOf(field.id) ? true : undefined,
          'aria-describedby': describe(field.id),
          'aria-required': field.required || undefined,
        };
        const value = values[field.id];
        const set = (v: string | boolean) => change(() => setValues((old) => ({ ...old, [field.id]: v })));
        if (field.type === 'checkbox')
          return (
            <div key={field.id}>
              <div className="checkbox">
                <input
                  {...common}
                  type="checkbox"
                  checked={value === true}
                  onChange={(e) => set(e.target.checked)}
                />
                <label htmlFor={id}>{caption}</label>
              </div>
              {problemText(field.id)}
            </div>
          );
        return (
          <div key={field.id}>
            <label htmlFor={id}>{caption}</label>
            {field.type === 'select' ? (
              <select
                {...common}
                value={typeof value === 'string' ? value : ''}
                onChange={(e) => set(e.target.value)}
              >
                <option value="">{t('notes.choose')}</option>
                {(field.options ?? []).map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : (
              <input
                {...common}
                type={field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : 'text'}
                inputMode={field.type === 'number' ? 'decimal' : undefined}
                value={typeof value === 'string' ? value : ''}
                onChange={(e) => set(e.target.value)}
              />
            )}
            {problemText(field.id)}
          </div>
        );
      })}
      <ErrorMessage error={error} />
      <div className="button-row">
        <button type="submit" disabled={saving}>
          {saving ? t('common.saving') : t('notes.save')}
        </button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
      </div>
      <p className="hint" role="status" data-testid="draft-status">
        {draftSavedAt ? t('notes.draftSaved', { when: formatDateTime(draftSavedAt, i18n.language) }) : ''}
      </p>
    </form>
  );
}
