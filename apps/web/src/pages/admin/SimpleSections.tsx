import { type HotlineSettings, QUEUE_ANNOUNCEMENTS } from '@llamenos/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CheckboxGroup } from '../../components/CheckboxGroup.js';
import { COMMON_LANGUAGES, languageChoices } from '../../components/format.js';
import { NameField } from '../../components/NameField.js';
import { WholeNumberInput } from '../../components/WholeNumberInput.js';
import { SettingsSectionForm } from './SettingsSectionForm.js';

/** A settings section's props; `readOnly` and `onReload` pass straight on to its SettingsSectionForm. */
export interface SectionProps {
  settings: HotlineSettings;
  readOnly: boolean;
  save: (change: Partial<HotlineSettings>) => Promise<void>;
  onReload: () => void;
}

/** Every IANA zone this browser knows, plus the saved one (some browsers leave "UTC" out of the list). */
function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', current, ...known])].sort();
}

/** Name, time zone and languages: three top-level settings edited together. */
export function GeneralSection({ settings, save, ...sectionForm }: SectionProps) {
  const { t, i18n } = useTranslation();
  const [hotlineName, setHotlineName] = useState(settings.hotlineName);
  const [timeZone, setTimeZone] = useState(settings.timeZone);
  const [languages, setLanguages] = useState(settings.languages);
  return (
    <SettingsSectionForm
      title={t('settingsPage.general')}
      {...sectionForm}
      onSubmit={() => save({ hotlineName: hotlineName.trim(), timeZone, languages })}
    >
      <NameField
        id="set-name"
        caption={t('settingsPage.hotlineName')}
        value={hotlineName}
        onChange={setHotlineName}
      />
      <label htmlFor="set-tz">{t('settingsPage.timeZone')}</label>
      <select id="set-tz" value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
        {timeZones(settings.timeZone).map((zone) => (
          <option key={zone} value={zone}>
            {zone}
          </option>
        ))}
      </select>
      <CheckboxGroup
        legend={t('settingsPage.languages')}
        className="checkbox-group columns"
        choices={languageChoices([...settings.languages, ...COMMON_LANGUAGES], i18n.language)}
        value={languages}
        onChange={setLanguages}
      />
      {languages.length === 0 && <p className="hint">{t('settingsPage.needLanguage')}</p>}
    </SettingsSectionForm>
  );
}

type FieldSpec =
  | { key: string; kind: 'bool' }
  | { key: string; kind: 'int'; min: number; max: number }
  /** An optional https address: left empty, it is left out of the section (the server's default). */
  | { key: string; kind: 'url' }
  /** One of a few words; absent (a document stored before the setting) shows and saves the first. */
  | { key: string; kind: 'choice'; choices: readonly string[] };

/** Sections made only of switches and whole numbers, described here and drawn by one form. */
const SPECS: Record<'channels' | 'spam' | 'calls' | 'security' | 'retention', FieldSpec[]> = {
  channels: [
    { key: 'voice', kind: 'bool' },
    { key: 'sms', kind: 'bool' },
    { key: 'whatsapp', kind: 'bool' },
    { key: 'signal', kind: 'bool' },
    { key: 'reports', kind: 'bool' },
  ],
  spam: [
    { key: 'voiceCaptcha', kind: 'bool' },
    { key: 'callsPerCallerPerHour', kind: 'int', min: 1, max: 1000 },
    { key: 'blockMinutes', kind: 'int', min: 1, max: 10_080 },
  ],
  calls: [
    { key: 'queueTimeoutSeconds', kind: 'int', min: 10, max: 600 },
    { key: 'voicemailMaxSeconds', kind: 'int', min: 10, max: 600 },
    { key: 'ivrLanguageMenu', kind: 'bool' },
    { key: 'silentSupervision', kind: 'bool' },
    { key: 'holdMusicUrl', kind: 'url' },
    { key: 'queueAnnouncement', kind: 'choice', choices: QUEUE_ANNOUNCEMENTS },
  ],
  security: [
    { key: 'requirePasskeys', kind: 'bool' },
    { key: 'autoLockMinutes', kind: 'int', min: 1, max: 240 },
  ],
  retention: [
    { key: 'noteDays', kind: 'int', min: 0, max: 36_500 },
    { key: 'callRecordDays', kind: 'int', min: 0, max: 36_500 },
  ],
};

export type SimpleSectionName = keyof typeof SPECS;
export const SIMPLE_SECTIONS = Object.keys(SPECS) as SimpleSectionName[];

export function SimpleSection({
  section,
  settings,
  save,
  ...sectionForm
}: SectionProps & { section: SimpleSectionName }) {
  const { t } = useTranslation();
  const stored = settings[section] as Record<string, boolean | number>;
  // Numbers are kept as typed text until saved, so clearing a field to retype it is possible.
  const [draft, setDraft] = useState<Record<string, boolean | string>>(() =>
    Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v])),
  );
  const fieldValue = (f: FieldSpec) => {
    if (f.kind === 'int') return Number(draft[f.key]);
    // An empty address is no address: the section is saved without it (undefined is left out of JSON).
    if (f.kind === 'url') return String(draft[f.key] ?? '').trim() || undefined;
    if (f.kind === 'choice') return draft[f.key] ?? f.choices[0];
    return draft[f.key];
  };
  const value = () => Object.fromEntries(SPECS[section].map((f) => [f.key, fieldValue(f)]));

  return (
    <SettingsSectionForm
      title={t(`settingsPage.${section}.title`)}
      {...sectionForm}
      onSubmit={() => save({ [section]: value() })}
    >
      {SPECS[section].map((field) => (
        <SimpleField
          key={field.key}
          section={section}
          field={field}
          value={draft[field.key]}
          onChange={(v) => setDraft({ ...draft, [field.key]: v })}
        />
      ))}
    </SettingsSectionForm>
  );
}

/** One setting of a simple section: its label, its control by kind, and its hint when it has one. */
function SimpleField({
  section,
  field,
  value,
  onChange,
}: {
  section: SimpleSectionName;
  field: FieldSpec;
  value: boolean | string | undefined;
  onChange: (value: boolean | string) => void;
}) {
  const { t } = useTranslation();
  const id = `set-${section}-${field.key}`;
  const label = t(`settingsPage.${section}.${field.key}`);
  const hint = t(`settingsPage.${section}.${field.key}Hint`, { defaultValue: '' });
  const hintId = hint ? `${id}-hint` : undefined;
  const text = String(value ?? '');
  const control = () => {
    switch (field.kind) {
      case 'bool':
        return (
          <label className="checkbox">
            <input
              type="checkbox"
              aria-describedby={hintId}
              checked={value === true}
              onChange={(e) => onChange(e.target.checked)}
            />
            {label}
          </label>
        );
      case 'url':
        return (
          <input
            id={id}
            type="url"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            maxLength={2048}
            aria-describedby={hintId}
            value={text}
            onChange={(e) => onChange(e.target.value)}
          />
        );
      case 'choice':
        return (
          <select
            id={id}
            aria-describedby={hintId}
            value={String(value ?? field.choices[0])}
            onChange={(e) => onChange(e.target.value)}
          >
            {field.choices.map((choice) => (
              <option key={choice} value={choice}>
                {t(`settingsPage.${section}.${field.key}Choices.${choice}`)}
              </option>
            ))}
          </select>
        );
      default:
        return (
          <WholeNumberInput
            id={id}
            min={field.min}
            max={field.max}
            aria-describedby={hintId}
            value={text}
            onChange={(e) => onChange(e.target.value)}
          />
        );
    }
  };
  return (
    <div>
      {field.kind !== 'bool' && <label htmlFor={id}>{label}</label>}
      {control()}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}
