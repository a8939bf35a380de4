import type { CustomFieldDefinition, NoteMeta } from '@llamenos/protocol';
import type { TFunction } from 'i18next';
import { type FormEvent, type ReactNode, type Ref, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CharacterCounter } from '../../components/CharacterCounter.js';
import { DraftNotice } from '../../components/DraftNotice.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { UserText, userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { createNote, editNote } from '../../lib/notes/api.js';
import { type Draft, deleteDraft, saveDraft } from '../../lib/notes/drafts.js';
import {
  checkPayload,
  type FieldProblem,
  limitsOf,
  NOTE_TEXT_MAX,
  type NotePayload,
  type ProblemLimits,
  payloadFromForm,
} from '../../lib/notes/payload.js';
import { counterState } from '../../lib/text-limit.js';

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

type FormValues = Record<string, string | boolean>;

/**
 * Saves an encrypted draft of the form on this device every few seconds (and whenever asked,
 * e.g. when focus leaves a field) while it has unsaved changes, and once more when the form
 * goes away. Once the note is saved, no draft is written again.
 */
function useDraftAutosave(start: EditorStart, latest: { text: string; values: FormValues }) {
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const dirty = useRef(false);
  const noteSaved = useRef(false);
  const current = useRef(latest);
  current.current = latest;

  const persist = () => {
    if (!dirty.current || noteSaved.current) return;
    const ok = saveDraft(start.noteId, start.baseVersion, { callId: start.callId, ...current.current });
    if (ok) {
      dirty.current = false;
      setSavedAt(new Date().toISOString());
    }
  };
  const persistRef = useRef(persist);
  persistRef.current = persist;

  useEffect(() => {
    const timer = setInterval(() => persistRef.current(), AUTOSAVE_MS);
    return () => {
      clearInterval(timer);
      persistRef.current();
    };
  }, []);

  return {
    savedAt,
    persist,
    /** The form changed: the next autosave writes it. */
    changed: () => {
      dirty.current = true;
    },
    /** The form is back to what is stored (the draft was discarded). */
    clean: () => {
      dirty.current = false;
    },
    /** The note itself was saved: its draft is deleted and never written again. */
    noteSaved: () => {
      noteSaved.current = true;
      deleteDraft(start.noteId);
    },
  };
}

/**
 * The note form: text and the hotline's custom fields. Required fields are enforced here
 * (and every decrypted note is checked again, with the same checkPayload, which is why this
 * form keeps its own state rather than a form library's: the rules are the notes protocol's).
 * The form autosaves an encrypted draft on this device every few seconds and whenever focus
 * leaves a field; a successful save deletes it.
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
  const { t } = useTranslation();
  const [text, setText] = useState(start.text);
  const [values, setValues] = useState(start.values);
  const [problems, setProblems] = useState<Record<string, FieldProblem>>({});
  const [restored, setRestored] = useState(start.restored);
  const draft = useDraftAutosave(start, { text, values });
  const summaryRef = useRef<HTMLDivElement>(null);
  const save = useSubmit(async (payload: NotePayload) => {
    const note =
      start.baseVersion === null
        ? await createNote(start.noteId, start.callId, payload)
        : await editNote(start.noteId, start.baseVersion, payload);
    draft.noteSaved();
    onSaved(note);
  });

  const edit = (update: () => void) => {
    draft.changed();
    update();
  };

  function discardDraft() {
    deleteDraft(start.noteId);
    setRestored(null);
    draft.clean();
    setText(start.original.text);
    setValues(start.original.values);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    save.setError(null);
    const check = checkPayload(payloadFromForm(text, values, fields), fields);
    if (!check.ok) {
      setProblems(check.problems);
      summaryRef.current?.focus();
      return;
    }
    setProblems({});
    void save.run(check.payload);
  }

  return (
    <form className="note-editor" noValidate onSubmit={submit} onBlur={() => draft.persist()}>
      {restored && (
        <DraftNotice
          savedAt={restored.savedAt}
          onDiscard={discardDraft}
          restored={(when) => t('notes.draftRestored', { when })}
          discard={t('notes.discardDraft')}
        />
      )}
      <ProblemSummary ref={summaryRef} count={Object.keys(problems).length} />
      {start.callId && <p className="hint">{t('notes.forCall', { callId: start.callId })}</p>}
      <NoteTextInput text={text} problem={problems.text} onChange={(value) => edit(() => setText(value))} />
      {fields.map((field) => (
        <CustomFieldInput
          key={field.id}
          field={field}
          value={values[field.id]}
          problem={problems[field.id]}
          onChange={(v) => edit(() => setValues((old) => ({ ...old, [field.id]: v })))}
        />
      ))}
      <EditorFooter save={save} draftSavedAt={draft.savedAt} onCancel={onCancel} />
    </form>
  );
}

/** The note's free text, with its character counter near the limit and its problem. */
function NoteTextInput({
  text,
  problem,
  onChange,
}: {
  text: string;
  problem: FieldProblem | undefined;
  onChange: (text: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <label htmlFor="note-text">{t('notes.text')}</label>
      <textarea
        id="note-text"
        rows={8}
        value={text}
        {...problemProps('text', problem, counterId('text', text, NOTE_TEXT_MAX))}
        onChange={(e) => onChange(e.target.value)}
      />
      <CharacterCounter id="note-count-text" length={text.length} max={NOTE_TEXT_MAX} />
      <ProblemText id="text" problem={problem} limits={limitsOf('text')} />
    </>
  );
}

/** The ARIA attributes of an input that has (or has not) a problem, and what else describes it. */
const problemProps = (id: string, problem: FieldProblem | undefined, ...described: (string | null)[]) => {
  const ids = [problem ? `note-problem-${id}` : null, ...described].filter(Boolean).join(' ');
  return { 'aria-invalid': problem ? true : undefined, 'aria-describedby': ids || undefined };
};

/** The id of a field's character counter while it shows (near the limit), else null. */
const counterId = (id: string, value: string, max: number) =>
  counterState(value.length, max).level === 'quiet' ? null : `note-count-${id}`;

/** The problem's sentence, naming the limit it broke ("at most 2000 characters", "at least 0"). */
function ProblemText({
  id,
  problem,
  limits,
}: {
  id: string;
  problem: FieldProblem | undefined;
  limits: ProblemLimits;
}) {
  const { t } = useTranslation();
  if (!problem) return null;
  return (
    <p id={`note-problem-${id}`} className="error">
      {t(`notes.fieldProblem.${problem}`, { ...limits })}
    </p>
  );
}

/** The range a number field accepts, said before anything is typed. */
function rangeHint(t: TFunction, { min, max }: ProblemLimits) {
  if (min !== undefined && max !== undefined) return t('notes.range.between', { min, max });
  if (min !== undefined) return t('notes.range.atLeast', { min });
  if (max !== undefined) return t('notes.range.atMost', { max });
  return null;
}

/** One of the hotline's custom fields: a checkbox, a choice, a number, a date or a line of text. */
function CustomFieldInput({
  field,
  value,
  problem,
  onChange,
}: {
  field: CustomFieldDefinition;
  value: string | boolean | undefined;
  problem: FieldProblem | undefined;
  onChange: (value: string | boolean) => void;
}) {
  const { t } = useTranslation();
  const id = `note-field-${field.id}`;
  const caption: ReactNode = field.required ? (
    userTextIn(t, 'notes.requiredLabel', { label: field.label })
  ) : (
    <UserText>{field.label}</UserText>
  );
  const limits = limitsOf(field);
  const text = typeof value === 'string' ? value : '';
  const counted = field.type === 'text' && limits.max !== undefined;
  const range = field.type === 'number' ? rangeHint(t, limits) : null;
  const described = [
    counted && limits.max !== undefined ? counterId(field.id, text, limits.max) : null,
    range ? `note-range-${field.id}` : null,
  ];
  const common = {
    id,
    ...problemProps(field.id, problem, ...described),
    'aria-required': field.required || undefined,
  };
  if (field.type === 'checkbox')
    return (
      <div>
        <div className="checkbox">
          <input
            {...common}
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
          <label htmlFor={id}>{caption}</label>
        </div>
        <ProblemText id={field.id} problem={problem} limits={limits} />
      </div>
    );
  return (
    <div>
      <label htmlFor={id}>{caption}</label>
      <ChoiceOrText field={field} common={common} text={text} limits={limits} onChange={onChange} />
      {range && (
        <p id={`note-range-${field.id}`} className="hint">
          {range}
        </p>
      )}
      {counted && limits.max !== undefined && (
        <CharacterCounter id={`note-count-${field.id}`} length={text.length} max={limits.max} />
      )}
      <ProblemText id={field.id} problem={problem} limits={limits} />
    </div>
  );
}

/** A choice field's select, or the input of a number, a date or a line of text. */
function ChoiceOrText({
  field,
  common,
  text,
  limits,
  onChange,
}: {
  field: CustomFieldDefinition;
  /** The id and ARIA attributes the field's label and problem point at. */
  common: ReturnType<typeof problemProps> & { id: string; 'aria-required': true | undefined };
  text: string;
  limits: ProblemLimits;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  if (field.type === 'select')
    return (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('notes.choose')}</option>
        {(field.options ?? []).map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  return (
    <input
      {...common}
      type={field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : 'text'}
      inputMode={field.type === 'number' ? 'decimal' : undefined}
      min={limits.min}
      max={field.type === 'number' ? limits.max : undefined}
      value={text}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** How many fields need fixing; focused when a save is refused, so screen readers hear it. */
function ProblemSummary({ ref, count }: { ref: Ref<HTMLDivElement>; count: number }) {
  const { t } = useTranslation();
  return (
    <div ref={ref} tabIndex={-1}>
      {count > 0 && (
        <p role="alert" className="error">
          {t('notes.fixProblems', { count })}
        </p>
      )}
    </div>
  );
}

/** The save refusal, Save (and Cancel when editing), and when the draft was last kept. */
function EditorFooter({
  save,
  draftSavedAt,
  onCancel,
}: {
  save: { busy: boolean; error: unknown };
  draftSavedAt: string | null;
  onCancel?: () => void;
}) {
  const { t, i18n } = useTranslation();
  return (
    <>
      <ErrorMessage error={save.error} />
      <div className="button-row">
        <button type="submit" disabled={save.busy}>
          {save.busy ? t('common.saving') : t('notes.save')}
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
    </>
  );
}
