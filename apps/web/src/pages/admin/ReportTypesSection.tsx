import {
  REPORT_FIELD_TYPES,
  type ReportFieldDefinition,
  type ReportFieldType,
  type ReportsSettings,
  type ReportType,
} from '@llamenos/protocol';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RowAction } from '../../components/DataTable.js';
import { languageName } from '../../components/format.js';
import { UserText } from '../../components/UserText.js';
import { SettingsSectionForm } from './SettingsSectionForm.js';
import type { SectionProps } from './SimpleSections.js';

/**
 * Report types: named forms reporters fill in (typed fields, required flags, choices, a category
 * list, labels translated into every enabled language), archived rather than deleted so reports
 * already filed under a type stay readable; and the limits on attachments and how long reports
 * are kept. Modelled on the note custom fields (CustomFieldsSection): the ids of saved types
 * and fields never change, since sealed reports store values under them.
 */

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
type Unit = 'MiB' | 'GiB';

interface DraftField {
  key: number;
  id: string;
  saved: boolean;
  label: string;
  labels: Record<string, string>;
  type: ReportFieldType;
  required: boolean;
  options: string;
}

interface DraftType {
  key: number;
  id: string;
  saved: boolean;
  name: string;
  names: Record<string, string>;
  description: string;
  categories: string;
  archived: boolean;
  fields: DraftField[];
}

let nextKey = 1;

/** An id from a name: lowercase ASCII, digits and `_` (and `-` for types); other scripts get a numbered id. */
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

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** Translations that were filled in, or nothing (the plain label is used for the rest). */
function translations(values: Record<string, string>): Record<string, string> | undefined {
  const filled = Object.entries(values)
    .map(([lang, v]) => [lang, v.trim()] as const)
    .filter(([, v]) => v);
  return filled.length ? Object.fromEntries(filled) : undefined;
}

const toDraftField = (f: ReportFieldDefinition): DraftField => ({
  key: nextKey++,
  id: f.id,
  saved: true,
  label: f.label,
  labels: { ...(f.labels ?? {}) },
  type: f.type,
  required: f.required,
  options: (f.options ?? []).join('\n'),
});

const toDraftType = (t: ReportType): DraftType => ({
  key: nextKey++,
  id: t.id,
  saved: true,
  name: t.name,
  names: { ...(t.names ?? {}) },
  description: t.description ?? '',
  categories: t.categories.join('\n'),
  archived: t.archived,
  fields: [...t.fields].sort((a, b) => a.order - b.order).map(toDraftField),
});

/** The drafts as the settings document holds them; new ids are chosen here, once. */
export function toReportTypes(drafts: DraftType[]): ReportType[] {
  const typeIds = drafts.filter((d) => d.saved).map((d) => d.id);
  return drafts.map((d) => {
    const id = d.saved ? d.id : idFrom(d.name, typeIds, 'type', true);
    if (!d.saved) typeIds.push(id);
    const fieldIds = d.fields.filter((f) => f.saved).map((f) => f.id);
    const fields = d.fields.map((f, order): ReportFieldDefinition => {
      const fieldId = f.saved ? f.id : idFrom(f.label, fieldIds, 'field');
      if (!f.saved) fieldIds.push(fieldId);
      const labels = translations(f.labels);
      const choices = f.type === 'choice' || f.type === 'multiChoice';
      return {
        id: fieldId,
        label: f.label.trim(),
        ...(labels ? { labels } : {}),
        type: f.type,
        required: f.required,
        order,
        ...(choices ? { options: [...new Set(lines(f.options))] } : {}),
      };
    });
    const names = translations(d.names);
    const description = d.description.trim();
    return {
      id,
      name: d.name.trim(),
      ...(names ? { names } : {}),
      ...(description ? { description } : {}),
      fields,
      categories: [...new Set(lines(d.categories))],
      archived: d.archived,
    };
  });
}

/** A byte count as a number and the largest unit that shows it whole (GiB when it is whole GiB). */
function toUnit(bytes: number): { amount: string; unit: Unit } {
  return bytes % GIB === 0
    ? { amount: String(bytes / GIB), unit: 'GiB' }
    : { amount: String(Math.round(bytes / MIB)), unit: 'MiB' };
}
const fromUnit = (amount: string, unit: Unit) => Math.round(Number(amount) * (unit === 'GiB' ? GIB : MIB));

const blankType = (key: number): DraftType => ({
  key,
  id: '',
  saved: false,
  name: '',
  names: {},
  description: '',
  categories: '',
  archived: false,
  fields: [],
});

const blankField = (key: number): DraftField => ({
  key,
  id: '',
  saved: false,
  label: '',
  labels: {},
  type: 'text',
  required: false,
  options: '',
});

/** After a save: every type and field is saved, with the id the server gave the new ones. */
const withSavedIds = (all: DraftType[], saved: ReportType[]): DraftType[] =>
  all.map((t, i) => ({
    ...t,
    id: saved[i]?.id ?? t.id,
    saved: true,
    fields: t.fields.map((f, j) => ({ ...f, id: saved[i]?.fields[j]?.id ?? f.id, saved: true })),
  }));

function useDrafts(initial: ReportType[]) {
  const [types, setTypes] = useState<DraftType[]>(() => initial.map(toDraftType));
  const [announcement, setAnnouncement] = useState('');
  const focusNext = useRef<string | null>(null);
  useEffect(() => {
    if (!focusNext.current) return;
    document.getElementById(focusNext.current)?.focus();
    focusNext.current = null;
  });
  const updateType = (key: number, change: Partial<DraftType>) =>
    setTypes((all) => all.map((t) => (t.key === key ? { ...t, ...change } : t)));
  const updateFields = (typeKey: number, edit: (fields: DraftField[]) => DraftField[]) =>
    setTypes((all) => all.map((t) => (t.key === typeKey ? { ...t, fields: edit(t.fields) } : t)));
  return {
    types,
    announcement,
    updateType,
    addType: () => {
      const key = nextKey++;
      setTypes((all) => [...all, blankType(key)]);
      focusNext.current = `rt-${key}-name`;
    },
    removeType: (key: number) => {
      setTypes((all) => all.filter((t) => t.key !== key));
      focusNext.current = 'rt-add';
    },
    addField: (typeKey: number) => {
      const key = nextKey++;
      updateFields(typeKey, (fields) => [...fields, blankField(key)]);
      focusNext.current = `rf-${key}-label`;
    },
    updateField: (typeKey: number, key: number, change: Partial<DraftField>) =>
      updateFields(typeKey, (fields) => fields.map((f) => (f.key === key ? { ...f, ...change } : f))),
    moveField: (
      typeKey: number,
      index: number,
      by: -1 | 1,
      label: string,
      button: 'up' | 'down',
      count: number,
    ) => {
      const target = index + by;
      if (target < 0 || target >= count) return;
      updateFields(typeKey, (fields) => {
        const next = [...fields];
        const [field] = next.splice(index, 1);
        if (field) next.splice(target, 0, field);
        const edge = (button === 'up' && target === 0) || (button === 'down' && target === count - 1);
        if (field) focusNext.current = `rf-${field.key}-${edge ? (button === 'up' ? 'down' : 'up') : button}`;
        return next;
      });
      setAnnouncement(label);
    },
    removeField: (typeKey: number, key: number, label: string) => {
      updateFields(typeKey, (fields) => fields.filter((f) => f.key !== key));
      focusNext.current = `rt-${typeKey}-add-field`;
      setAnnouncement(label);
    },
    markSaved: (saved: ReportType[]) => setTypes((all) => withSavedIds(all, saved)),
  };
}

type Drafts = ReturnType<typeof useDrafts>;

export function ReportTypesSection({ settings, readOnly, save, onReload }: SectionProps) {
  const { t } = useTranslation();
  const reports: ReportsSettings = settings.reports;
  const drafts = useDrafts(reports.types);
  const [fileLimit, setFileLimit] = useState(() => toUnit(reports.maxFileBytes));
  const [reportLimit, setReportLimit] = useState(() => toUnit(reports.maxReportBytes));
  const [retention, setRetention] = useState(String(reports.retentionDays));
  const languages = settings.languages;

  return (
    <SettingsSectionForm
      title={t('reports.admin.title')}
      readOnly={readOnly}
      onReload={onReload}
      onSubmit={async () => {
        const types = toReportTypes(drafts.types);
        await save({
          reports: {
            types,
            maxFileBytes: fromUnit(fileLimit.amount, fileLimit.unit),
            maxReportBytes: fromUnit(reportLimit.amount, reportLimit.unit),
            retentionDays: Number(retention),
          },
        });
        drafts.markSaved(types);
      }}
    >
      <p className="hint">{t('reports.admin.help')}</p>
      {drafts.types.length === 0 && <p>{t('reports.admin.none')}</p>}
      <ol className="field-list">
        {drafts.types.map((type, index) => (
          <li key={type.key}>
            <TypeEditor type={type} index={index} languages={languages} drafts={drafts} />
          </li>
        ))}
      </ol>
      <p>
        <button type="button" id="rt-add" className="secondary" onClick={drafts.addType}>
          {t('reports.admin.addType')}
        </button>
      </p>
      <fieldset className="custom-field">
        <legend>{t('reports.admin.limits')}</legend>
        <SizeInput
          id="rt-max-file"
          caption={t('reports.admin.maxFile')}
          value={fileLimit}
          onChange={setFileLimit}
        />
        <SizeInput
          id="rt-max-report"
          caption={t('reports.admin.maxReport')}
          value={reportLimit}
          onChange={setReportLimit}
        />
        <label htmlFor="rt-retention">{t('reports.admin.retentionDays')}</label>
        <input
          id="rt-retention"
          type="number"
          inputMode="numeric"
          min={0}
          max={36_500}
          required
          aria-describedby="rt-retention-hint"
          value={retention}
          onChange={(e) => setRetention(e.target.value)}
        />
        <p id="rt-retention-hint" className="hint">
          {t('reports.admin.retentionHint')}
        </p>
      </fieldset>
      <p role="status" className="visually-hidden">
        {drafts.announcement}
      </p>
    </SettingsSectionForm>
  );
}

/** A size limit as a number and a unit (MiB or GiB). */
function SizeInput({
  id,
  caption,
  value,
  onChange,
}: {
  id: string;
  caption: string;
  value: { amount: string; unit: Unit };
  onChange: (v: { amount: string; unit: Unit }) => void;
}) {
  const { t } = useTranslation();
  return (
    <div>
      <label htmlFor={id}>{caption}</label>
      <div className="button-row compact">
        <input
          id={id}
          type="number"
          inputMode="decimal"
          min={value.unit === 'GiB' ? 0.001 : 1}
          step="any"
          required
          value={value.amount}
          onChange={(e) => onChange({ ...value, amount: e.target.value })}
        />
        <select
          aria-label={t('reports.admin.unit')}
          value={value.unit}
          onChange={(e) => onChange({ ...value, unit: e.target.value as Unit })}
        >
          <option value="MiB">{t('reports.admin.mib')}</option>
          <option value="GiB">{t('reports.admin.gib')}</option>
        </select>
      </div>
    </div>
  );
}

/** The name of a type or the label of a field, translated into each enabled language but the first. */
function TranslationInputs({
  idPrefix,
  languages,
  values,
  onChange,
}: {
  idPrefix: string;
  languages: string[];
  values: Record<string, string>;
  onChange: (values: Record<string, string>) => void;
}) {
  const { t, i18n } = useTranslation();
  if (languages.length < 2) return null;
  return (
    <details>
      <summary>{t('reports.admin.translations')}</summary>
      <div className="field-grid">
        {languages.map((lang) => (
          <div key={lang}>
            <label htmlFor={`${idPrefix}-${lang}`}>
              {t('reports.admin.inLanguage', { language: languageName(lang, i18n.language) })}
            </label>
            <input
              id={`${idPrefix}-${lang}`}
              lang={lang}
              dir="auto"
              maxLength={80}
              value={values[lang] ?? ''}
              onChange={(e) => onChange({ ...values, [lang]: e.target.value })}
            />
          </div>
        ))}
      </div>
    </details>
  );
}

function TypeEditor({
  type,
  index,
  languages,
  drafts,
}: {
  type: DraftType;
  index: number;
  languages: string[];
  drafts: Drafts;
}) {
  const { t } = useTranslation();
  const id = (part: string) => `rt-${type.key}-${part}`;
  const update = (change: Partial<DraftType>) => drafts.updateType(type.key, change);
  return (
    <fieldset className="custom-field" data-testid="report-type-editor">
      <legend>
        {t('reports.admin.typeN', { n: index + 1 })}
        {type.name && (
          <>
            : <UserText>{type.name}</UserText>
          </>
        )}
        {type.archived && <span className="badge">{t('reports.admin.archived')}</span>}
      </legend>
      <label htmlFor={id('name')}>{t('reports.admin.typeName')}</label>
      <input
        id={id('name')}
        required
        maxLength={80}
        dir="auto"
        value={type.name}
        onChange={(e) => update({ name: e.target.value })}
      />
      <TranslationInputs
        idPrefix={id('name')}
        languages={languages}
        values={type.names}
        onChange={(names) => update({ names })}
      />
      <label htmlFor={id('description')}>{t('reports.admin.description')}</label>
      <textarea
        id={id('description')}
        rows={2}
        maxLength={500}
        dir="auto"
        value={type.description}
        onChange={(e) => update({ description: e.target.value })}
      />
      <label htmlFor={id('categories')}>{t('reports.admin.categories')}</label>
      <textarea
        id={id('categories')}
        rows={3}
        dir="auto"
        value={type.categories}
        onChange={(e) => update({ categories: e.target.value })}
      />
      <TypeFields type={type} languages={languages} drafts={drafts} />
      <TypeActions type={type} drafts={drafts} />
      {type.saved && <p className="hint">{t('reports.admin.archiveHint')}</p>}
    </fieldset>
  );
}

/** The type's fields, in the order the form shows them. */
function TypeFields({ type, languages, drafts }: { type: DraftType; languages: string[]; drafts: Drafts }) {
  const { t } = useTranslation();
  return (
    <>
      <h3>{t('reports.admin.fields')}</h3>
      {type.fields.some((f) => f.saved) && <p className="hint">{t('reports.admin.savedFieldHint')}</p>}
      {type.fields.length === 0 && <p>{t('reports.admin.noFields')}</p>}
      <ol className="field-list">
        {type.fields.map((field, i) => (
          <li key={field.key}>
            <FieldEditor type={type} field={field} index={i} languages={languages} drafts={drafts} />
          </li>
        ))}
      </ol>
    </>
  );
}

/** Add a field, archive the type, or (before it is first saved) remove it. */
function TypeActions({ type, drafts }: { type: DraftType; drafts: Drafts }) {
  const { t } = useTranslation();
  const id = (part: string) => `rt-${type.key}-${part}`;
  const update = (change: Partial<DraftType>) => drafts.updateType(type.key, change);
  return (
    <div className="button-row compact">
      <button
        type="button"
        id={id('add-field')}
        className="secondary"
        onClick={() => drafts.addField(type.key)}
      >
        {t('reports.admin.addField')}
      </button>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={type.archived}
          onChange={(e) => update({ archived: e.target.checked })}
        />
        {t('reports.admin.archive')}
      </label>
      {!type.saved && (
        <RowAction
          action={t('reports.admin.removeType')}
          item={type.name}
          danger
          onClick={() => drafts.removeType(type.key)}
        />
      )}
    </div>
  );
}

function FieldEditor({
  type,
  field,
  index,
  languages,
  drafts,
}: {
  type: DraftType;
  field: DraftField;
  index: number;
  languages: string[];
  drafts: Drafts;
}) {
  const { t } = useTranslation();
  const id = (part: string) => `rf-${field.key}-${part}`;
  const update = (change: Partial<DraftField>) => drafts.updateField(type.key, field.key, change);
  const named = field.label || t('reports.admin.untitledField');
  const choices = field.type === 'choice' || field.type === 'multiChoice';
  return (
    <fieldset className="custom-field">
      <legend>
        {t('reports.admin.fieldN', { n: index + 1 })}
        {field.label && (
          <>
            : <UserText>{field.label}</UserText>
          </>
        )}
      </legend>
      <FieldLabelAndType field={field} id={id} update={update} />
      <TranslationInputs
        idPrefix={id('label')}
        languages={languages}
        values={field.labels}
        onChange={(labels) => update({ labels })}
      />
      <label className="checkbox">
        <input
          type="checkbox"
          checked={field.required}
          onChange={(e) => update({ required: e.target.checked })}
        />
        {t('reports.admin.required')}
      </label>
      {choices && (
        <>
          <label htmlFor={id('options')}>{t('reports.admin.options')}</label>
          <textarea
            id={id('options')}
            required
            rows={3}
            dir="auto"
            value={field.options}
            onChange={(e) => update({ options: e.target.value })}
          />
        </>
      )}
      <FieldActions type={type} field={field} index={index} drafts={drafts} named={named} />
    </fieldset>
  );
}

/** The field's label (in the first language) and what kind of answer it takes. */
function FieldLabelAndType({
  field,
  id,
  update,
}: {
  field: DraftField;
  id: (part: string) => string;
  update: (change: Partial<DraftField>) => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="field-grid">
      <div>
        <label htmlFor={id('label')}>{t('reports.admin.fieldLabel')}</label>
        <input
          id={id('label')}
          required
          maxLength={80}
          dir="auto"
          value={field.label}
          onChange={(e) => update({ label: e.target.value })}
        />
      </div>
      <div>
        <label htmlFor={id('type')}>{t('reports.admin.fieldType')}</label>
        <select
          id={id('type')}
          value={field.type}
          onChange={(e) => update({ type: e.target.value as ReportFieldType })}
        >
          {REPORT_FIELD_TYPES.map((ft) => (
            <option key={ft} value={ft}>
              {t(`reports.admin.fieldTypes.${ft}`)}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

/** Move the field up or down, or remove it; each move is announced. */
function FieldActions({
  type,
  field,
  index,
  drafts,
  named,
}: {
  type: DraftType;
  field: DraftField;
  index: number;
  drafts: Drafts;
  /** The field's label, or a stand-in while it has none. */
  named: string;
}) {
  const { t } = useTranslation();
  const id = (part: string) => `rf-${field.key}-${part}`;
  const count = type.fields.length;
  return (
    <div className="button-row compact">
      <RowAction
        id={id('up')}
        action={t('reports.admin.up')}
        item={named}
        disabled={index === 0}
        onClick={() =>
          drafts.moveField(
            type.key,
            index,
            -1,
            t('reports.admin.moved', { label: named, position: index }),
            'up',
            count,
          )
        }
      />
      <RowAction
        id={id('down')}
        action={t('reports.admin.down')}
        item={named}
        disabled={index === count - 1}
        onClick={() =>
          drafts.moveField(
            type.key,
            index,
            1,
            t('reports.admin.moved', { label: named, position: index + 2 }),
            'down',
            count,
          )
        }
      />
      <RowAction
        action={t('reports.admin.removeField')}
        item={named}
        danger
        onClick={() => drafts.removeField(type.key, field.key, t('reports.admin.removed', { label: named }))}
      />
    </div>
  );
}
