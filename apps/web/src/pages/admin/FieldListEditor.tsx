import { type ReactNode, useCallback, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { RowAction } from '../../components/DataTable.js';
import { TextField, textFieldsOf } from '../../components/TextField.js';
import { UserText } from '../../components/UserText.js';

/**
 * The typed field list an admin edits for a form the hotline's people fill in: the call note's
 * extra fields (CustomFieldsSection) and each report type's fields (ReportTypesSection). Each
 * field has a label, a type, a required box and, for a choice, its choices one per line; fields
 * move with Up and Down buttons (no dragging: keyboard and screen reader first) and moves and
 * removals are announced. The ids of saved fields never change: sealed notes and reports store
 * their values under them.
 */
export interface FieldDraft<Type extends string = string> {
  /** Local identity for React and focus, stable while rows move. */
  key: number;
  id: string;
  /** Saved ids are fixed: encrypted notes and reports store values under them. */
  saved: boolean;
  label: string;
  type: Type;
  required: boolean;
  /** The choices as typed, one per line. */
  options: string;
}

let lastDraftKey = 0;
/** A key for a new draft row (any list on the page: keys only need to differ). */
export const nextDraftKey = (): number => ++lastDraftKey;

/** An id from a name: lowercase ASCII, digits and `_` (and `-` for report types); other scripts get a numbered id. */
export function idFrom(name: string, taken: readonly string[], fallback: string, dash = false): string {
  const base =
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(dash ? /[^a-z0-9-]+/g : /[^a-z0-9]+/g, '_')
      .replace(/^[^a-z]+|[_-]+$/g, '')
      .slice(0, 32) || fallback;
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}_${n}`;
  return id;
}

/**
 * The ids of a list's rows, in order: a saved row keeps its id (sealed notes and reports store
 * values under it); a new one gets one from its label, unique in the list.
 */
export function rowIds<Row extends { saved: boolean; id: string }>(
  rows: readonly Row[],
  labelOf: (row: Row) => string,
  fallback: string,
  dash = false,
): string[] {
  const taken = rows.filter((r) => r.saved).map((r) => r.id);
  return rows.map((row) => {
    if (row.saved) return row.id;
    const id = idFrom(labelOf(row), taken, fallback, dash);
    taken.push(id);
    return id;
  });
}

/** The draft of a saved field: the parts every form's fields have. */
export const savedFieldDraft = <Type extends string>(field: {
  id: string;
  label: string;
  type: Type;
  required: boolean;
  options?: string[] | undefined;
}): FieldDraft<Type> => ({
  key: nextDraftKey(),
  id: field.id,
  saved: true,
  label: field.label,
  type: field.type,
  required: field.required,
  options: (field.options ?? []).join('\n'),
});

/** A new field's draft: no id until it is first saved, a text field until the admin picks a type. */
export const blankFieldDraft = <Type extends string>(key: number, type: Type): FieldDraft<Type> => ({
  key,
  id: '',
  saved: false,
  label: '',
  type,
  required: false,
  options: '',
});

/**
 * What every form's field definitions hold, in the list's order: the id (a saved field's own,
 * a new one's from its label), the label, the type, the required flag and the position; each
 * form adds its own parts (choices, bounds, translations) to each.
 */
export function fieldDefinitions<Field extends FieldDraft, Definition>(
  fields: readonly Field[],
  withOwnParts: (
    common: { id: string; label: string; type: Field['type']; required: boolean; order: number },
    field: Field,
  ) => Definition,
): Definition[] {
  const ids = rowIds(fields, (f) => f.label, 'field');
  return fields.map((f, order) =>
    withOwnParts({ id: ids[order]!, label: f.label.trim(), type: f.type, required: f.required, order }, f),
  );
}

/** The non-empty lines of a text box (choices, categories). */
export const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * Focus an element by id after the next render. Moving a row re-inserts it in the DOM, which
 * drops focus, and a new row's input does not exist yet when the button is pressed.
 */
export function useFocusAfterRender(): (id: string) => void {
  const pending = useRef<string | null>(null);
  useEffect(() => {
    if (!pending.current) return;
    document.getElementById(pending.current)?.focus();
    pending.current = null;
  });
  return useCallback((id: string) => {
    pending.current = id;
  }, []);
}

/**
 * One form's translation keys for its field editor (each form has its own strings; a table, so
 * the i18n test checks every key): `fieldN` takes n, `moved` the label and position, `removed`
 * the label; `typeNames` names each field type.
 */
export interface FieldListWordKeys<Type extends string> {
  fieldN: string;
  /** Stands in for a field's label while it has none. */
  untitled: string;
  /** The captions of the label and type inputs. */
  fieldLabel: string;
  fieldType: string;
  typeNames: Record<Type, string>;
  required: string;
  options: string;
  up: string;
  down: string;
  remove: string;
  moved: string;
  removed: string;
}

/** The field editor's words, translated from the form's keys. */
function useFieldListWords<Type extends string>(keys: FieldListWordKeys<Type>) {
  const { t } = useTranslation();
  return {
    fieldN: (n: number) => t(keys.fieldN, { n }),
    untitled: t(keys.untitled),
    fieldLabel: t(keys.fieldLabel),
    fieldType: t(keys.fieldType),
    typeName: (type: Type) => t(keys.typeNames[type]),
    required: t(keys.required),
    options: t(keys.options),
    up: t(keys.up),
    down: t(keys.down),
    remove: t(keys.remove),
    moved: (label: string, position: number) => t(keys.moved, { label, position }),
    removed: (label: string) => t(keys.removed, { label }),
  };
}

type FieldListWords<Type extends string> = ReturnType<typeof useFieldListWords<Type>>;

type Update<Field> = (change: Partial<Field>) => void;

export interface FieldListEditorProps<Type extends string, Field extends FieldDraft<Type>> {
  /** Element ids are `${idPrefix}-${field.key}-label`, `-type`, `-options`, `-up`, `-down`, … */
  idPrefix: string;
  fields: Field[];
  onChange: (fields: Field[]) => void;
  types: readonly Type[];
  /** Types whose answer is one of the listed choices: they get the choices box. */
  hasChoices: (type: Type) => boolean;
  keys: FieldListWordKeys<Type>;
  /** Said by the form's live region. */
  announce: (text: string) => void;
  /** Where focus goes after a removal: the neighbouring field, or always this element (by id). */
  focusAfterRemove: { neighbourOr: string } | { always: string };
  /** Inputs after the label and type (e.g. the label's translations). */
  afterLabel?: (field: Field, update: Update<Field>) => ReactNode;
  /** Inputs after the choices (e.g. a number's bounds, the stored id). */
  afterChoices?: (field: Field, update: Update<Field>) => ReactNode;
}

/** The ordered list of field editors. */
export function FieldListEditor<Type extends string, Field extends FieldDraft<Type>>(
  props: FieldListEditorProps<Type, Field>,
) {
  const { idPrefix, fields, onChange, announce, focusAfterRemove } = props;
  const words = useFieldListWords(props.keys);
  const focusNext = useFocusAfterRender();
  const named = (field: Field) => field.label || words.untitled;

  const edits: FieldEdits<Field> = {
    update: (key, change) => onChange(fields.map((f) => (f.key === key ? { ...f, ...change } : f))),
    move(index, by) {
      const target = index + by;
      const field = fields[index];
      if (!field || target < 0 || target >= fields.length) return;
      const next = [...fields];
      next.splice(index, 1);
      next.splice(target, 0, field);
      onChange(next);
      // At the top or bottom the pressed button is disabled; focus its enabled twin instead.
      const button = by < 0 ? 'up' : 'down';
      const edge = (button === 'up' && target === 0) || (button === 'down' && target === next.length - 1);
      focusNext(`${idPrefix}-${field.key}-${edge ? (button === 'up' ? 'down' : 'up') : button}`);
      announce(words.moved(named(field), target + 1));
    },
    remove(index) {
      const field = fields[index];
      if (!field) return;
      const next = fields.filter((_, i) => i !== index);
      onChange(next);
      const neighbour = next[index] ?? next[index - 1];
      focusNext(
        'always' in focusAfterRemove
          ? focusAfterRemove.always
          : neighbour
            ? `${idPrefix}-${neighbour.key}-label`
            : focusAfterRemove.neighbourOr,
      );
      announce(words.removed(named(field)));
    },
  };

  return (
    <ol className="field-list">
      {fields.map((field, index) => (
        <li key={field.key}>
          <FieldEditor
            {...props}
            field={field}
            index={index}
            named={named(field)}
            last={index === fields.length - 1}
            edits={edits}
            words={words}
          />
        </li>
      ))}
    </ol>
  );
}

interface FieldEdits<Field> {
  update: (key: number, change: Partial<Field>) => void;
  move: (index: number, by: -1 | 1) => void;
  remove: (index: number) => void;
}

interface FieldEditorProps<Type extends string, Field extends FieldDraft<Type>>
  extends FieldListEditorProps<Type, Field> {
  field: Field;
  index: number;
  /** The field's label, or a stand-in while it has none. */
  named: string;
  last: boolean;
  edits: FieldEdits<Field>;
  words: FieldListWords<Type>;
}

/** A field's move buttons: the id part (focus returns to it after the move) and the step. */
const MOVES = [
  { button: 'up', by: -1 },
  { button: 'down', by: 1 },
] as const;

/** One field's label, type, required box, choices (for a choice) and its move/remove buttons. */
function FieldEditor<Type extends string, Field extends FieldDraft<Type>>({
  idPrefix,
  field,
  index,
  named,
  last,
  edits,
  types,
  hasChoices,
  words,
  afterLabel,
  afterChoices,
}: FieldEditorProps<Type, Field>) {
  const id = (part: string) => `${idPrefix}-${field.key}-${part}`;
  const update: Update<Field> = (change) => edits.update(field.key, change);
  // The inputs below are the ones every field has (a narrower Field type only adds to them).
  const set = (change: Partial<FieldDraft<Type>>) => update(change as Partial<Field>);
  const text = textFieldsOf<FieldDraft<Type>>(field, id, set);
  return (
    <fieldset className="custom-field">
      <legend>
        {words.fieldN(index + 1)}
        {field.label && (
          <>
            : <UserText>{field.label}</UserText>
          </>
        )}
      </legend>
      <LabelAndType field={field} id={id} types={types} words={words} set={set} />
      {afterLabel?.(field, update)}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={field.required}
          onChange={(e) => set({ required: e.target.checked })}
        />
        {words.required}
      </label>
      {hasChoices(field.type) && <TextField {...text('options')} caption={words.options} required rows={3} />}
      {afterChoices?.(field, update)}
      <div className="button-row compact">
        {MOVES.map(({ button, by }) => (
          <RowAction
            key={button}
            id={id(button)}
            action={words[button]}
            item={named}
            disabled={by < 0 ? index === 0 : last}
            onClick={() => edits.move(index, by)}
          />
        ))}
        <RowAction action={words.remove} item={named} danger onClick={() => edits.remove(index)} />
      </div>
    </fieldset>
  );
}

/** The field's label (in the form's first language) and what kind of answer it takes. */
function LabelAndType<Type extends string>({
  field,
  id,
  types,
  words,
  set,
}: {
  field: FieldDraft<Type>;
  id: (part: string) => string;
  types: readonly Type[];
  words: FieldListWords<Type>;
  set: (change: Partial<FieldDraft<Type>>) => void;
}) {
  const text = textFieldsOf(field, id, set);
  return (
    <div className="field-grid">
      <div>
        <TextField {...text('label')} caption={words.fieldLabel} required maxLength={80} />
      </div>
      <div>
        <label htmlFor={id('type')}>{words.fieldType}</label>
        <select id={id('type')} value={field.type} onChange={(e) => set({ type: e.target.value as Type })}>
          {types.map((type) => (
            <option key={type} value={type}>
              {words.typeName(type)}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
