import type { CustomFieldDefinition } from '@llamenos/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../components/EmptyState.js';
import {
  blankFieldDraft,
  type FieldDraft,
  FieldListEditor,
  type FieldListWordKeys,
  fieldDefinitions,
  lines,
  nextDraftKey,
  savedFieldDraft,
  useFocusAfterRender,
} from './FieldListEditor.js';
import { SettingsSectionForm } from './SettingsSectionForm.js';
import type { SectionProps } from './SimpleSections.js';

type FieldType = CustomFieldDefinition['type'];
const TYPES: FieldType[] = ['text', 'number', 'select', 'checkbox', 'date'];

interface DraftField extends FieldDraft<FieldType> {
  /** A number field's bounds as typed ("" for none). */
  min: string;
  max: string;
}

const toDraft = (f: CustomFieldDefinition): DraftField => ({
  ...savedFieldDraft(f),
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

export const toDefinitions = (fields: DraftField[]): CustomFieldDefinition[] =>
  fieldDefinitions(fields, (common, f) => ({
    ...common,
    ...(f.type === 'select' ? { options: lines(f.options) } : {}),
    ...boundsOf(f),
  }));

/** The draft list; moving and removing are FieldListEditor's, adding is the section's button. */
function useDraftFields(initial: CustomFieldDefinition[]) {
  const [fields, setFields] = useState<DraftField[]>(() =>
    [...initial].sort((a, b) => a.order - b.order).map(toDraft),
  );
  const [announcement, setAnnouncement] = useState('');
  const focusNext = useFocusAfterRender();

  function add() {
    const key = nextDraftKey();
    setFields([...fields, { ...blankFieldDraft(key, 'text'), min: '', max: '' }]);
    focusNext(`cf-${key}-label`);
  }

  /** After a save the ids chosen for new fields are fixed, even if the label changes. */
  const markSaved = (definitions: CustomFieldDefinition[]) =>
    setFields(fields.map((f, i) => ({ ...f, id: definitions[i]?.id ?? f.id, saved: true })));

  return { fields, setFields, announcement, setAnnouncement, add, markSaved };
}

/** The note form's words for the shared field editor. */
const FIELD_WORDS: FieldListWordKeys<FieldType> = {
  fieldN: 'customFields.fieldN',
  untitled: 'customFields.untitled',
  fieldLabel: 'customFields.label',
  fieldType: 'customFields.type',
  typeNames: {
    text: 'customFields.types.text',
    number: 'customFields.types.number',
    select: 'customFields.types.select',
    checkbox: 'customFields.types.checkbox',
    date: 'customFields.types.date',
  },
  required: 'customFields.required',
  options: 'customFields.options',
  up: 'customFields.up',
  down: 'customFields.down',
  remove: 'customFields.remove',
  moved: 'customFields.moved',
  removed: 'customFields.removed',
};

/** The extra fields volunteers fill in on a call note: add, remove, reorder with buttons, edit. */
export function CustomFieldsSection({ settings, save, ...sectionForm }: SectionProps) {
  const { t } = useTranslation();
  const draft = useDraftFields(settings.customFields);
  const { fields } = draft;

  return (
    <SettingsSectionForm
      title={t('customFields.title')}
      {...sectionForm}
      onSubmit={async () => {
        const definitions = toDefinitions(fields);
        await save({ customFields: definitions });
        draft.markSaved(definitions);
      }}
    >
      <p className="hint">{t('customFields.help')}</p>
      {fields.length === 0 && <EmptyState>{t('customFields.none')}</EmptyState>}
      <FieldListEditor
        idPrefix="cf"
        fields={fields}
        onChange={draft.setFields}
        types={TYPES}
        hasChoices={(type) => type === 'select'}
        keys={FIELD_WORDS}
        announce={draft.setAnnouncement}
        focusAfterRemove={{ neighbourOr: 'cf-add' }}
        afterChoices={(field, update) => (
          <>
            {field.type === 'number' && <NumberBounds field={field} update={update} />}
            <p className="hint">
              {field.saved ? t('customFields.savedId', { id: field.id }) : t('customFields.newId')}
            </p>
          </>
        )}
      />
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
        {(['min', 'max'] as const).map((bound) => (
          <div key={bound}>
            <label htmlFor={id(bound)}>{t(`customFields.${bound}`)}</label>
            <input
              id={id(bound)}
              type="number"
              inputMode="decimal"
              step="any"
              // The largest value's arrows start from the smallest one.
              min={bound === 'max' ? min : undefined}
              value={field[bound]}
              onChange={(e) => update({ [bound]: e.target.value })}
            />
          </div>
        ))}
      </div>
      <p className="hint">{t('customFields.boundsHint')}</p>
    </>
  );
}
