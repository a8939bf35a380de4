import type { HotlineSettings } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { Page } from '../../components/PageHeading.js';
import { fetchSettings, patchSettingsSection, replaceSettings } from '../../lib/api/index.js';
import { queryKeys } from '../../lib/queries/index.js';
import { BackupsSection } from './BackupsSection.js';
import { ChannelsSection } from './ChannelsSection.js';
import { CustomFieldsSection } from './CustomFieldsSection.js';
import { MessagingSection } from './MessagingSection.js';
import { ProvidersSection } from './ProvidersSection.js';
import { ReportTypesSection } from './ReportTypesSection.js';
import { GeneralSection, type SectionProps, SIMPLE_SECTIONS, SimpleSection } from './SimpleSections.js';
import { TranscriptionSection } from './TranscriptionSection.js';

/** The hotline's settings, one form per section, each saved against the version it was loaded at. */
export function HotlineSettingsPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  // Bumped only on an explicit reload, so saving one section never resets drafts in another.
  const [generation, setGeneration] = useState(0);
  // The generation is part of the key: a reload reads afresh and remounts the forms with it.
  const key = [...queryKeys.settingsDocument, generation] as const;
  const doc = useQuery({ queryKey: key, queryFn: fetchSettings });
  const client = useQueryClient();
  const readOnly = !can(me, 'settings:write');

  async function save(change: Partial<HotlineSettings>) {
    const current = doc.data;
    if (!current) return;
    const keys = Object.keys(change) as (keyof HotlineSettings)[];
    const [only] = keys;
    // One section goes by PATCH; the general form spans three top-level keys, so it sends the whole document.
    const next =
      keys.length === 1 && only
        ? await patchSettingsSection(only, change[only] as HotlineSettings[typeof only], current.version)
        : await replaceSettings({ ...current.settings, ...change }, current.version);
    client.setQueryData(key, next);
  }

  const reload = () => setGeneration((g) => g + 1);
  const settings = doc.data?.settings;
  // What every section form is given: the loaded settings, whether it may save, and how.
  const sectionProps: SectionProps | null = settings ? { settings, readOnly, save, onReload: reload } : null;
  return (
    <Page title={t('settingsPage.title')}>
      {readOnly && <p className="hint">{t('settingsPage.readOnly')}</p>}
      <ErrorMessage error={doc.error} />
      {doc.isFetching && <p aria-busy="true">{t('app.loading')}</p>}
      {sectionProps && !doc.isFetching && (
        <div key={generation}>
          <GeneralSection {...sectionProps} />
          {SIMPLE_SECTIONS.filter((s) => s === 'channels').map((section) => (
            <SimpleSection key={section} section={section} {...sectionProps} />
          ))}
          <CustomFieldsSection {...sectionProps} />
          <ReportTypesSection {...sectionProps} />
          {SIMPLE_SECTIONS.filter((s) => s !== 'channels').map((section) => (
            <SimpleSection key={section} section={section} {...sectionProps} />
          ))}
          <MessagingSection {...sectionProps} />
          <BackupsSection {...sectionProps} />
          <TranscriptionSection {...sectionProps} />
        </div>
      )}
      <ProvidersSection writable={!readOnly} />
      <ChannelsSection writable={!readOnly} />
    </Page>
  );
}
