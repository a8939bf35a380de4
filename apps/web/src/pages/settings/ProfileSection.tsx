import type { CallPreference, UpdateProfileBody } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadMe, type Me } from '../../app/session.js';
import { CallPreferenceSelect } from '../../components/CallPreferenceSelect.js';
import { CheckboxGroup } from '../../components/CheckboxGroup.js';
import { DisplayNameField } from '../../components/DisplayNameField.js';
import { COMMON_LANGUAGES, languageChoices } from '../../components/format.js';
import { Panel } from '../../components/Panel.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { updateMyProfile } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';

export function ProfileSection({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const hotline = useQuery(queries.publicSettings());
  const [displayName, setDisplayName] = useState(me.displayName);
  const [languages, setLanguages] = useState(me.languages);
  const [callPreference, setCallPreference] = useState<CallPreference>(me.callPreference);
  const [onBreak, setOnBreak] = useState(me.onBreak);
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    setSaved(false);
    const body: UpdateProfileBody = { displayName: displayName.trim(), languages, callPreference, onBreak };
    await updateMyProfile(body);
    await loadMe();
    setSaved(true);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };

  // The hotline's languages first: those are the ones callers can ask for.
  const codes = [...(hotline.data?.languages ?? []), ...me.languages, ...COMMON_LANGUAGES];
  return (
    <Panel id="profile-title" title={t('mySettings.profile')} onSubmit={submit}>
      <DisplayNameField id="me-name" value={displayName} onChange={setDisplayName} />
      <CheckboxGroup
        legend={t('mySettings.languages')}
        className="checkbox-group columns"
        choices={languageChoices(codes, i18n.language)}
        value={languages}
        onChange={setLanguages}
      />
      <CallPreferenceSelect id="me-call" value={callPreference} onChange={setCallPreference} />
      <label className="checkbox toggle">
        <input type="checkbox" checked={onBreak} onChange={(e) => setOnBreak(e.target.checked)} />
        {t('mySettings.onBreak')}
      </label>
      <p className="hint">{t('mySettings.onBreakHelp')}</p>
      <FormActions
        submit={save}
        action={t('common.save')}
        busyAction={t('common.saving')}
        status={saved ? t('common.saved') : ''}
      />
    </Panel>
  );
}
