import type { CustomFieldDefinition } from '@llamenos/protocol';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RowAction } from '../../components/DataTable.js';
import { UserText } from '../../components/UserText.js';
import { SettingsSectionForm } from './SettingsSectionForm.js';
import type { SectionProps } from './SimpleSections.js';

type FieldType = CustomFieldDefinition['type'];
const TYPES: FieldType[] = ['text', 'number', 'select', 'checkbox', 'date'];

interface DraftField {
  /** Local identity for React and focus, stable while rows move. */
  key: number;
  id: string;
  /** Saved ids are fixed: encrypted notes store values under them. */
  saved: boolean;
  label: string;
  type: FieldType;
  required: boolean;
  options: string;
  /** A number field's bounds as typed ("" for none). */
  min: string;
  max: string;
}

let nextKey = 1;

/** A field id from its label: lowercase ASCII, digits and _; labels in other scripts get a numbered id. */
function idFromLabel(label: string, taken: string[]): string {
  const base =
    label
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^[^a-z]+|_+$/g, '')
      .slice(0, 32) || 'field';
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}_${n}`;
  return id;
}

const toDraft = (f: CustomFieldDefinition): DraftField => ({
  key: nextKey++,
  id: f.id,
  saved: true,
  label: f.label,
  type: f.type,
  required: f.required,
  options: (f.options ?? []).join('\n'),
  min: f.min === undefined ? '' : String(f.min),
  max: f.max === undefined ? '' : String(f.max),
});

/** A number field's bounds from the typed text: empty or unreadable means no bound. */
export function boundsOf(draft: { type: FieldType; min: string; max: string }): {
  min?: number;
  max?: number;
} {
  if (draft.type !== 'number') return {};
  const read = (text: string) => {
    const n = text.trim() === '' ? Number.NaN : Number(text);
    return Number.isFinite(n) ? n : undefined;
  };
  const min = read(draft.min);
  const max = read(draft.max);
  return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
}

export function toDefinitions(fields: DraftField[]): CustomFieldDefinition[] {
  const ids = fields.filter((f) => f.saved).map((f) => f.id);
  return fields.map((f, index) => {
    const id = f.saved ? f.id : idFromLabel(f.label, ids);
    if (!f.saved) ids.push(id);
    const options = f.options
      .split('\n')
      .map((o) => o.trim())
      .filter(Boolean);
    return {
      id,
      label: f.label.trim(),
      type: f.type,
      required: f.required,
      order: index,
      ...(f.type === 'select' ? { options } : {}),
      ...boundsOf(f),
    };
  });
}

/**
 * The draft list and its edits. Moving a row re-inserts it in the DOM, which drops focus, so
 * each change names the element to focus next; moves and removals are announced.
 */
function useDraftFields(initial: CustomFieldDefinition[]) {
  const { t } = useTranslation();
  const [fields, setFields] = useState<DraftField[]>(() =>
    [...initial].sort((a, b) => a.order - b.order).map(toDraft),
  );
  const [announcement, setAnnouncement] = useState('');
  const focusNext = useRef<string | null>(null);

  useEffect(() => {
    if (!focusNext.current) return;
    document.getElementById(focusNext.current)?.focus();
    focusNext.current = null;
  });

  const named = (field: DraftField) => field.label || t('customFields.untitled');

  const update = (key: number, change: Partial<DraftField>) =>
    setFields(fields.map((f) => (f.key === key ? { ...f, ...change } : f)));

  function move(index: number, by: -1 | 1, button: 'up' | 'down') {
    const target = index + by;
    const field = fields[index];
    if (!field || target < 0 || target >= fields.length) return;
    const next = [...fields];
    next.splice(index, 1);
    next.splice(target, 0, field);
    setFields(next);
    // At the top or bottom the pressed button is disabled; focus its enabled twin instead.
    const edge = (button === 'up' && target === 0) || (button === 'down' && target === next.length - 1);
    focusNext.current = `cf-${field.key}-${edge ? (button === 'up' ? 'down' : 'up') : button}`;
    setAnnouncement(t('customFields.moved', { label: named(field), position: target + 1 }));
  }

  function add() {
    const key = nextKey++;
    setFields([
      ...fields,
      { key, id: '', saved: false, label: '', type: 'text', required: false, options: '', min: '', max: '' },
    ]);
    focusNext.current = `cf-${key}-label`;
  }

  function remove(index: number) {
    const field = fields[index];
    if (!field) return;
    const next = fields.filter((_, i) => i !== index);
    setFields(next);
    const neighbour = next[index] ?? next[index - 1];
    focusNext.current = neighbour ? `cf-${neighbour.key}-label` : 'cf-add';
    setAnnouncement(t('customFields.removed', { label: named(field) }));
  }

  /** After a save the ids chosen for new fields are fixed, even if the label changes. */
  const markSaved = (definitions: CustomFieldDefinition[]) =>
    setFields(fields.map((f, i) => ({ ...f, id: definitions[i]?.id ?? f.id, saved: true })));

  return { fields, announcement, update, move, add, remove, markSaved };
}

/** One field of the list, where it stands, and the edits it can make. */
interface FieldRowProps {
  field: DraftField;
  index: number;
  last: boolean;
  edits: Pick<ReturnType<typeof useDraftFields>, 'update' | 'move' | 'remove'>;
}

/** The extra fields volunteers fill in on a call note: add, remove, reorder with buttons, edit. */
export function CustomFieldsSection({ settings, readOnly, save, onReload }: SectionProps) {
  const { t } = useTranslation();
  const draft = useDraftFields(settings.customFields);
  const { fields } = draft;

  return (
    <SettingsSectionForm
      title={t('customFields.title')}
      readOnly={readOnly}
      onReload={onReload}
      onSubmit={async () => {
        const definitions = toDefinitions(fields);
        await save({ customFields: definitions });
        draft.markSaved(definitions);
      }}
    >
      <p className="hint">{t('customFields.help')}</p>
      {fields.length === 0 && <p>{t('customFields.none')}</p>}
      <ol className="field-list">
        {fields.map((field, index) => (
          <li key={field.key}>
            <CustomFieldEditor field={field} index={index} last={index === fields.length - 1} edits={draft} />
          </li>
        ))}
      </ol>
      <p>
        <button type="button" id="cf-add" className="secondary" onClick={draft.add}>
          {t('customFields.add')}
        </button>
      </p>
      <p role="status" className="visually-hidden">
        {draft.announcement}
      </p>
    </SettingsSectionForm>
  );
}

/** One field's label, type, required box, choices (for a list) and its move/remove buttons. */
function CustomFieldEditor({ field, index, last, edits }: FieldRowProps) {
  const { t } = useTranslation();
  const id = (part: string) => `cf-${field.key}-${part}`;
  const update = (change: Partial<DraftField>) => edits.update(field.key, change);
  return (
    <fieldset className="custom-field">
      <legend>
        {t('customFields.fieldN', { n: index + 1 })}
        {field.label && (
          <>
            : <UserText>{field.label}</UserText>
          </>
        )}
      </legend>
      <div className="field-grid">
        <div>
          <label htmlFor={id('label')}>{t('customFields.label')}</label>
          <input
            id={id('label')}
            required
            maxLength={80}
            value={field.label}
            onChange={(e) => update({ label: e.target.value })}
          />
        </div>
        <div>
          <label htmlFor={id('type')}>{t('customFields.type')}</label>
          <select
            id={id('type')}
            value={field.type}
            onChange={(e) => update({ type: e.target.value as FieldType })}
          >
            {TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`customFields.types.${type}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={field.required}
          onChange={(e) => update({ required: e.target.checked })}
        />
        {t('customFields.required')}
      </label>
      {field.type === 'select' && (
        <>
          <label htmlFor={id('options')}>{t('customFields.options')}</label>
          <textarea
            id={id('options')}
            required
            rows={3}
            value={field.options}
            onChange={(e) => update({ options: e.target.value })}
          />
        </>
      )}
      {field.type === 'number' && <NumberBounds field={field} update={update} />}
      <p className="hint">
        {field.saved ? t('customFields.savedId', { id: field.id }) : t('customFields.newId')}
      </p>
      <FieldMoves field={field} index={index} last={last} edits={edits} />
    </fieldset>
  );
}

/**
 * A number field's smallest and largest accepted values (an age: from 0), both optional. The
 * server checks min ≤ max when the settings are saved; the values themselves are sealed in the
 * notes, so the note form checks them (lib/notes/payload.ts).
 */
function NumberBounds({
  field,
  update,
}: {
  field: DraftField;
  update: (change: Partial<DraftField>) => void;
}) {
  const { t } = useTranslation();
  const id = (part: string) => `cf-${field.key}-${part}`;
  const { min } = boundsOf(field);
  return (
    <>
      <div className="field-grid">
        <div>
          <label htmlFor={id('min')}>{t('customFields.min')}</label>
          <input
            id={id('min')}
            type="number"
            inputMode="decimal"
            step="any"
            value={field.min}
            onChange={(e) => update({ min: e.target.value })}
          />
        </div>
        <div>
          <label htmlFor={id('max')}>{t('customFields.max')}</label>
          <input
            id={id('max')}
            type="number"
            inputMode="decimal"
            step="any"
            min={min}
            value={field.max}
            onChange={(e) => update({ max: e.target.value })}
          />
        </div>
      </div>
      <p className="hint">{t('customFields.boundsHint')}</p>
    </>
  );
}

/** Up, Down and Remove for one field; the moves keep focus on the pressed button (useDraftFields). */
function FieldMoves({ field, index, last, edits }: FieldRowProps) {
  const { t } = useTranslation();
  return (
    <div className="button-row compact">
      <RowAction
        id={`cf-${field.key}-up`}
        action={t('customFields.up')}
        item={field.label}
        disabled={index === 0}
        onClick={() => edits.move(index, -1, 'up')}
      />
      <RowAction
        id={`cf-${field.key}-down`}
        action={t('customFields.down')}
        item={field.label}
        disabled={last}
        onClick={() => edits.move(index, 1, 'down')}
      />
      <RowAction
        action={t('customFields.remove')}
        item={field.label}
        danger
        onClick={() => edits.remove(index)}
      />
    </div>
  );
}
