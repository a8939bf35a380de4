import { type HotlineSettings, MessagingSettings } from '@llamenos/protocol';
import { type UseFormRegister, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { languageName } from '../../components/format.js';
import { WholeNumberInput } from '../../components/WholeNumberInput.js';
import { SettingsSectionForm } from './SettingsSectionForm.js';
import type { SectionProps } from './SimpleSections.js';

/** The form's values: numbers and keyword lists as typed, the replies per language. */
interface MessagingFormValues {
  capacityPerVolunteer: string;
  retentionDays: string;
  messagesPerContactPerHour: string;
  stopKeywords: string;
  startKeywords: string;
  noVolunteerReply: Record<string, string>;
  firstContactReply: Record<string, string>;
}

const REPLIES = ['noVolunteerReply', 'firstContactReply'] as const;
const NUMBERS = ['capacityPerVolunteer', 'messagesPerContactPerHour', 'retentionDays'] as const;
const KEYWORDS = ['stopKeywords', 'startKeywords'] as const;

/** Keywords as typed, separated by commas or spaces; upper case, as contacts' words are compared. */
const keywordsOf = (text: string) =>
  text
    .split(',')
    .map((k) => k.trim().toUpperCase())
    .filter(Boolean);

/** An empty reply is left out: nothing is sent in that language. */
const repliesOf = (texts: Record<string, string>) =>
  Object.fromEntries(Object.entries(texts).filter(([, text]) => text.trim() !== ''));

/** The form's values as the settings section, unchecked (the shared schema checks them). */
export function messagingOf(values: MessagingFormValues): unknown {
  return {
    capacityPerVolunteer: Number(values.capacityPerVolunteer),
    noVolunteerReply: repliesOf(values.noVolunteerReply),
    firstContactReply: repliesOf(values.firstContactReply),
    stopKeywords: keywordsOf(values.stopKeywords),
    startKeywords: keywordsOf(values.startKeywords),
    retentionDays: Number(values.retentionDays),
    messagesPerContactPerHour: Number(values.messagesPerContactPerHour),
  };
}

/** The stored section as the form's values, with a (maybe empty) reply box per language. */
function formValuesOf(stored: HotlineSettings['messaging'], languages: string[]): MessagingFormValues {
  const texts = (replies: Record<string, string>) =>
    Object.fromEntries(languages.map((lang) => [lang, replies[lang] ?? '']));
  return {
    capacityPerVolunteer: String(stored.capacityPerVolunteer),
    retentionDays: String(stored.retentionDays),
    messagesPerContactPerHour: String(stored.messagesPerContactPerHour),
    stopKeywords: stored.stopKeywords.join(', '),
    startKeywords: stored.startKeywords.join(', '),
    noVolunteerReply: texts(stored.noVolunteerReply),
    firstContactReply: texts(stored.firstContactReply),
  };
}

/** Conversations per volunteer, messages per contact per hour, days closed ones are kept. */
function NumberInputs({ register }: { register: UseFormRegister<MessagingFormValues> }) {
  const { t } = useTranslation();
  return (
    <>
      {NUMBERS.map((field) => (
        <div key={field}>
          <label htmlFor={`set-messaging-${field}`}>{t(`settingsPage.messaging.${field}`)}</label>
          <WholeNumberInput
            id={`set-messaging-${field}`}
            min={field === 'retentionDays' ? 0 : 1}
            aria-describedby={`set-messaging-${field}-hint`}
            {...register(field)}
          />
          <p id={`set-messaging-${field}-hint`} className="hint">
            {t(`settingsPage.messaging.${field}Hint`)}
          </p>
        </div>
      ))}
    </>
  );
}

/** Each automatic reply, one box per language. */
function ReplyBoxes({
  languages,
  register,
}: {
  languages: string[];
  register: UseFormRegister<MessagingFormValues>;
}) {
  const { t, i18n } = useTranslation();
  return (
    <>
      {REPLIES.map((reply) => (
        <fieldset key={reply} className="plain">
          <legend>{t(`settingsPage.messaging.${reply}`)}</legend>
          <p className="hint">{t(`settingsPage.messaging.${reply}Hint`)}</p>
          {languages.map((lang) => (
            <div key={lang}>
              <label htmlFor={`set-messaging-${reply}-${lang}`}>{languageName(lang, i18n.language)}</label>
              <textarea
                id={`set-messaging-${reply}-${lang}`}
                rows={3}
                maxLength={600}
                dir="auto"
                lang={lang}
                {...register(`${reply}.${lang}`)}
              />
            </div>
          ))}
        </fieldset>
      ))}
    </>
  );
}

/**
 * Text conversations: how many one volunteer holds, what a texter is told automatically (per
 * hotline language), the STOP / START words, how long closed conversations are kept, and how
 * many messages a contact may send in an hour.
 */
export function MessagingSection({ settings, save, ...sectionForm }: SectionProps) {
  const { t } = useTranslation();
  const stored = settings.messaging;
  // Every hotline language gets a box, and so does any language a reply is already stored in.
  const languages = [
    ...new Set([
      ...settings.languages,
      ...Object.keys(stored.noVolunteerReply),
      ...Object.keys(stored.firstContactReply),
    ]),
  ];
  const form = useForm<MessagingFormValues>({ defaultValues: formValuesOf(stored, languages) });
  async function submit() {
    const parsed = MessagingSettings.safeParse(messagingOf(form.getValues()));
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const field = String(first?.path[0] ?? '');
      throw new Error(
        t('settingsPage.messaging.invalid', {
          field: field ? t(`settingsPage.messaging.${field}`) : '',
          message: first?.message ?? '',
        }),
      );
    }
    await save({ messaging: parsed.data satisfies HotlineSettings['messaging'] });
  }

  return (
    <SettingsSectionForm title={t('settingsPage.messaging.title')} {...sectionForm} onSubmit={submit}>
      <NumberInputs register={form.register} />
      {KEYWORDS.map((field) => (
        <div key={field}>
          <label htmlFor={`set-messaging-${field}`}>{t(`settingsPage.messaging.${field}`)}</label>
          <input
            id={`set-messaging-${field}`}
            className="ltr"
            aria-describedby="set-messaging-keywords-hint"
            {...form.register(field)}
          />
        </div>
      ))}
      <p id="set-messaging-keywords-hint" className="hint">
        {t('settingsPage.messaging.keywordsHint')}
      </p>
      <ReplyBoxes languages={languages} register={form.register} />
    </SettingsSectionForm>
  );
}
