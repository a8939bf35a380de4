import type { CustomFieldDefinition } from '@llamenos/protocol';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
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
});

function toDefinitions(fields: DraftField[]): CustomFieldDefinition[] {
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
    };
  });
}

/** The extra fields volunteers fill in on a call note: add, remove, reorder with buttons, edit. */
export function CustomFieldsSection({ settings, readOnly, save, onReload }: SectionProps) {
  const { t } = useTranslation();
  const [fields, setFields] = useState<DraftField[]>(() =>
    [...settings.customFields].sort((a, b) => a.order - b.order).map(toDraft),
  );
  const [announcement, setAnnouncement] = useState('');
  const focusAfterMove = useRef<string | null>(null);

  // A moved row is re-inserted in the DOM, which drops focus; put it back on the same button.
  useEffect(() => {
    if (!focusAfterMove.current) return;
    document.getElementById(focusAfterMove.current)?.focus();
    focusAfterMove.current = null;
  });

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
    focusAfterMove.current = `cf-${field.key}-${edge ? (button === 'up' ? 'down' : 'up') : button}`;
    setAnnouncement(
      t('customFields.moved', { label: field.label || t('customFields.untitled'), position: target + 1 }),
    );
  }

  function add() {
    const key = nextKey++;
    setFields([
      ...fields,
      { key, id: '', saved: false, label: '', type: 'text', required: false, options: '' },
    ]);
    focusAfterMove.current = `cf-${key}-label`;
  }

  function remove(index: number) {
    const field = fields[index];
    if (!field) return;
    const next = fields.filter((_, i) => i !== index);
    setFields(next);
    const neighbour = next[index] ?? next[index - 1];
    focusAfterMove.current = neighbour ? `cf-${neighbour.key}-label` : 'cf-add';
    setAnnouncement(t('customFields.removed', { label: field.label || t('customFields.untitled') }));
  }

  return (
    <SettingsSectionForm
      title={t('customFields.title')}
      readOnly={readOnly}
      onReload={onReload}
      onSubmit={async () => {
        const definitions = toDefinitions(fields);
        await save({ customFields: definitions });
        // From now on these ids are fixed, even if the label changes.
        setFields(fields.map((f, i) => ({ ...f, id: definitions[i]?.id ?? f.id, saved: true })));
      }}
    >
      <p className="hint">{t('customFields.help')}</p>
      {fields.length === 0 && <p>{t('customFields.none')}</p>}
      <ol className="field-list">
        {fields.map((field, index) => (
          <li key={field.key}>
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
                  <label htmlFor={`cf-${field.key}-label`}>{t('customFields.label')}</label>
                  <input
                    id={`cf-${field.key}-label`}
                    required
                    maxLength={80}
                    value={field.label}
                    onChange={(e) => update(field.key, { label: e.target.value })}
                  />
                </div>
                <div>
                  <label htmlFor={`cf-${field.key}-type`}>{t('customFields.type')}</label>
                  <select
                    id={`cf-${field.key}-type`}
                    value={field.type}
                    onChange={(e) => update(field.key, { type: e.target.value as FieldType })}
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
                  onChange={(e) => update(field.key, { required: e.target.checked })}
                />
                {t('customFields.required')}
              </label>
              {field.type === 'select' && (
                <>
                  <label htmlFor={`cf-${field.key}-options`}>{t('customFields.options')}</label>
                  <textarea
                    id={`cf-${field.key}-options`}
                    required
                    rows={3}
                    value={field.options}
                    onChange={(e) => update(field.key, { options: e.target.value })}
                  />
                </>
              )}
              <p className="hint">
                {field.saved ? t('customFields.savedId', { id: field.id }) : t('customFields.newId')}
              </p>
              <div className="button-row compact">
                <button
                  type="button"
                  id={`cf-${field.key}-up`}
                  className="secondary"
                  disabled={index === 0}
                  onClick={() => move(index, -1, 'up')}
                >
                  {t('customFields.up')}
                  <span className="visually-hidden"> {field.label}</span>
                </button>
                <button
                  type="button"
                  id={`cf-${field.key}-down`}
                  className="secondary"
                  disabled={index === fields.length - 1}
                  onClick={() => move(index, 1, 'down')}
                >
                  {t('customFields.down')}
                  <span className="visually-hidden"> {field.label}</span>
                </button>
                <button type="button" className="secondary danger-text" onClick={() => remove(index)}>
                  {t('customFields.remove')}
                  <span className="visually-hidden"> {field.label}</span>
                </button>
              </div>
            </fieldset>
          </li>
        ))}
      </ol>
      <p>
        <button type="button" id="cf-add" className="secondary" onClick={add}>
          {t('customFields.add')}
        </button>
      </p>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </SettingsSectionForm>
  );
}
