import type { HotlineSettings, SettingsResponse } from '@llamenos/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { PageHeading } from '../../components/PageHeading.js';
import { useLoad } from '../../components/useLoad.js';
import { api } from '../../lib/api.js';
import { CustomFieldsSection } from './CustomFieldsSection.js';
import { ProvidersSection } from './ProvidersSection.js';
import { GeneralSection, SIMPLE_SECTIONS, SimpleSection } from './SimpleSections.js';

/** The hotline's settings, one form per section, each saved against the version it was loaded at. */
export function HotlineSettingsPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  // Bumped only on an explicit reload, so saving one section never resets drafts in another.
  const [generation, setGeneration] = useState(0);
  const doc = useLoad(`settings:${generation}`, () => api<SettingsResponse>('GET', '/api/settings'));
  const readOnly = !can(me, 'settings:write');

  async function save(change: Partial<HotlineSettings>) {
    const current = doc.data;
    if (!current) return;
    const keys = Object.keys(change) as (keyof HotlineSettings)[];
    const [only] = keys;
    // One section goes by PATCH; the general form spans three top-level keys, so it sends the whole document.
    const next =
      keys.length === 1 && only
        ? await api<SettingsResponse>('PATCH', `/api/settings/${only}`, {
            value: change[only],
            version: current.version,
          })
        : await api<SettingsResponse>('PUT', '/api/settings', {
            settings: { ...current.settings, ...change },
            version: current.version,
          });
    doc.setData(next);
  }

  const reload = () => setGeneration((g) => g + 1);
  const settings = doc.data?.settings;
  return (
    <section>
      <PageHeading>{t('settingsPage.title')}</PageHeading>
      {readOnly && <p className="hint">{t('settingsPage.readOnly')}</p>}
      <ErrorMessage error={doc.error} />
      {doc.loading && <p aria-busy="true">{t('app.loading')}</p>}
      {settings && !doc.loading && (
        <div key={generation}>
          <GeneralSection settings={settings} readOnly={readOnly} save={save} onReload={reload} />
          {SIMPLE_SECTIONS.filter((s) => s === 'channels').map((section) => (
            <SimpleSection
              key={section}
              section={section}
              settings={settings}
              readOnly={readOnly}
              save={save}
              onReload={reload}
            />
          ))}
          <CustomFieldsSection settings={settings} readOnly={readOnly} save={save} onReload={reload} />
          {SIMPLE_SECTIONS.filter((s) => s !== 'channels').map((section) => (
            <SimpleSection
              key={section}
              section={section}
              settings={settings}
              readOnly={readOnly}
              save={save}
              onReload={reload}
            />
          ))}
        </div>
      )}
      <ProvidersSection writable={!readOnly} />
    </section>
  );
}
