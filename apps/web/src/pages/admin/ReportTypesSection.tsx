import {
  REPORT_FIELD_TYPES,
  type ReportFieldDefinition,
  type ReportFieldType,
  type ReportsSettings,
  type ReportType,
} from '@llamenos/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RowAction } from '../../components/DataTable.js';
import { EmptyState } from '../../components/EmptyState.js';
import { languageName } from '../../components/format.js';
import { TextField, textFieldsOf } from '../../components/TextField.js';
import { UserText } from '../../components/UserText.js';
import { WholeNumberField } from '../../components/WholeNumberInput.js';
import {
  blankFieldDraft,
  type FieldDraft,
  FieldListEditor,
  type FieldListWordKeys,
  fieldDefinitions,
  idFrom,
  lines,
  nextDraftKey,
  rowIds,
  savedFieldDraft,
  useFocusAfterRender,
} from './FieldListEditor.js';
import { SettingsSectionForm } from './SettingsSectionForm.js';
import type { SectionProps } from './SimpleSections.js';

/**
 * Report types: named forms reporters fill in (typed fields, required flags, choices, a category
 * list, labels translated into every enabled language), archived rather than deleted so reports
 * already filed under a type stay readable; and the limits on attachments and how long reports
 * are kept. The fields are edited with the note fields' editor (FieldListEditor): the ids of
 * saved types and fields never change, since sealed reports store values under them.
 */

export { idFrom };

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
type Unit = 'MiB' | 'GiB';

interface DraftField extends FieldDraft<ReportFieldType> {
  /** The label in the other enabled languages. */
  labels: Record<string, string>;
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

/** Translations that were filled in, or nothing (the plain label is used for the rest). */
function translations(values: Record<string, string>): Record<string, string> | undefined {
  const filled = Object.entries(values)
    .map(([lang, v]) => [lang, v.trim()] as const)
    .filter(([, v]) => v);
  return filled.length ? Object.fromEntries(filled) : undefined;
}

const toDraftField = (f: ReportFieldDefinition): DraftField => ({
  ...savedFieldDraft(f),
  labels: { ...(f.labels ?? {}) },
});

const toDraftType = (t: ReportType): DraftType => ({
  key: nextDraftKey(),
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
  const typeIds = rowIds(drafts, (d) => d.name, 'type', true);
  return drafts.map((d, index) => {
    const fields = fieldDefinitions(d.fields, (common, f): ReportFieldDefinition => {
      const labels = translations(f.labels);
      const choices = f.type === 'choice' || f.type === 'multiChoice';
      return {
        ...common,
        ...(labels ? { labels } : {}),
        ...(choices ? { options: [...new Set(lines(f.options))] } : {}),
      };
    });
    const names = translations(d.names);
    const description = d.description.trim();
    return {
      id: typeIds[index]!,
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

const blankField = (key: number): DraftField => ({ ...blankFieldDraft(key, 'text'), labels: {} });

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
  const focusNext = useFocusAfterRender();
  const updateType = (key: number, change: Partial<DraftType>) =>
    setTypes((all) => all.map((t) => (t.key === key ? { ...t, ...change } : t)));
  const updateFields = (typeKey: number, edit: (fields: DraftField[]) => DraftField[]) =>
    setTypes((all) => all.map((t) => (t.key === typeKey ? { ...t, fields: edit(t.fields) } : t)));
  return {
    types,
    announcement,
    setAnnouncement,
    updateType,
    addType: () => {
      const key = nextDraftKey();
      setTypes((all) => [...all, blankType(key)]);
      focusNext(`rt-${key}-name`);
    },
    removeType: (key: number) => {
      setTypes((all) => all.filter((t) => t.key !== key));
      focusNext('rt-add');
    },
    addField: (typeKey: number) => {
      const key = nextDraftKey();
      updateFields(typeKey, (fields) => [...fields, blankField(key)]);
      focusNext(`rf-${key}-label`);
    },
    markSaved: (saved: ReportType[]) => setTypes((all) => withSavedIds(all, saved)),
  };
}

type Drafts = ReturnType<typeof useDrafts>;

export function ReportTypesSection({ settings, save, ...sectionForm }: SectionProps) {
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
      {...sectionForm}
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
      {drafts.types.length === 0 && <EmptyState>{t('reports.admin.none')}</EmptyState>}
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
        <WholeNumberField
          id="rt-retention"
          caption={t('reports.admin.retentionDays')}
          hint={t('reports.admin.retentionHint')}
          min={0}
          max={36_500}
          value={retention}
          onChange={setRetention}
        />
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
  const text = textFieldsOf(type, id, update);
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
      <TextField {...text('name')} caption={t('reports.admin.typeName')} required maxLength={80} />
      <TranslationInputs
        idPrefix={id('name')}
        languages={languages}
        values={type.names}
        onChange={(names) => update({ names })}
      />
      <TextField {...text('description')} caption={t('reports.admin.description')} rows={2} maxLength={500} />
      <TextField {...text('categories')} caption={t('reports.admin.categories')} rows={3} />
      <TypeFields type={type} languages={languages} drafts={drafts} />
      <TypeActions type={type} drafts={drafts} />
      {type.saved && <p className="hint">{t('reports.admin.archiveHint')}</p>}
    </fieldset>
  );
}

/** A report form's words for the shared field editor. */
const FIELD_WORDS: FieldListWordKeys<ReportFieldType> = {
  fieldN: 'reports.admin.fieldN',
  untitled: 'reports.admin.untitledField',
  fieldLabel: 'reports.admin.fieldLabel',
  fieldType: 'reports.admin.fieldType',
  typeNames: {
    text: 'reports.admin.fieldTypes.text',
    longText: 'reports.admin.fieldTypes.longText',
    number: 'reports.admin.fieldTypes.number',
    datetime: 'reports.admin.fieldTypes.datetime',
    choice: 'reports.admin.fieldTypes.choice',
    multiChoice: 'reports.admin.fieldTypes.multiChoice',
    yesNo: 'reports.admin.fieldTypes.yesNo',
    location: 'reports.admin.fieldTypes.location',
  },
  required: 'reports.admin.required',
  options: 'reports.admin.options',
  up: 'reports.admin.up',
  down: 'reports.admin.down',
  remove: 'reports.admin.removeField',
  moved: 'reports.admin.moved',
  removed: 'reports.admin.removed',
};

/** The type's fields, in the order the form shows them. */
function TypeFields({ type, languages, drafts }: { type: DraftType; languages: string[]; drafts: Drafts }) {
  const { t } = useTranslation();
  return (
    <>
      <h3>{t('reports.admin.fields')}</h3>
      {type.fields.some((f) => f.saved) && <p className="hint">{t('reports.admin.savedFieldHint')}</p>}
      {type.fields.length === 0 && <p>{t('reports.admin.noFields')}</p>}
      <FieldListEditor
        idPrefix="rf"
        fields={type.fields}
        onChange={(fields) => drafts.updateType(type.key, { fields })}
        types={REPORT_FIELD_TYPES}
        hasChoices={(fieldType) => fieldType === 'choice' || fieldType === 'multiChoice'}
        keys={FIELD_WORDS}
        announce={drafts.setAnnouncement}
        focusAfterRemove={{ always: `rt-${type.key}-add-field` }}
        afterLabel={(field, update) => (
          <TranslationInputs
            idPrefix={`rf-${field.key}-label`}
            languages={languages}
            values={field.labels}
            onChange={(labels) => update({ labels })}
          />
        )}
      />
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
