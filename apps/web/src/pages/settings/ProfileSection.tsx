import type { CallPreference, UpdateProfileBody } from '@llamenos/protocol';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadMe, type Me } from '../../app/session.js';
import { CallPreferenceSelect } from '../../components/CallPreferenceSelect.js';
import { MemberLanguagesField } from '../../components/MemberLanguagesField.js';
import { NameField } from '../../components/NameField.js';
import { Panel } from '../../components/Panel.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { updateMyProfile } from '../../lib/api/index.js';
import { breakCheckboxHelpKey } from '../../lib/calls/status-lines.js';

export function ProfileSection({ me }: { me: Me }) {
  const { t } = useTranslation();
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

  return (
    <Panel id="profile-title" title={t('mySettings.profile')} onSubmit={submit}>
      <NameField id="me-name" value={displayName} onChange={setDisplayName} />
      <MemberLanguagesField
        legend={t('mySettings.languages')}
        own={me.languages}
        value={languages}
        onChange={setLanguages}
      />
      <CallPreferenceSelect id="me-call" value={callPreference} onChange={setCallPreference} />
      <label className="checkbox toggle">
        <input type="checkbox" checked={onBreak} onChange={(e) => setOnBreak(e.target.checked)} />
        {t('mySettings.onBreak')}
      </label>
      <p className="hint">{t(breakCheckboxHelpKey(onBreak))}</p>
      <FormActions submit={save} status={saved ? t('common.saved') : ''} />
    </Panel>
  );
}
