import type { CallPreference, UpdateUserBody, UserView } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadMe, type Me } from '../../app/session.js';
import { ActionError } from '../../components/ActionError.js';
import { CallPreferenceSelect } from '../../components/CallPreferenceSelect.js';
import { CheckboxGroup } from '../../components/CheckboxGroup.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { COMMON_LANGUAGES, languageChoices } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { updateUser } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { useRoles } from './useRoles.js';

/** An admin edits one member: name, roles, languages, phone and how they take calls. */
export function VolunteerEditPage({ id, me }: { id: string; me: Me }) {
  const { t } = useTranslation();
  const user = useQuery(queries.user(id));
  const client = useQueryClient();
  return (
    <section>
      <p>
        <NavLink href="/admin/volunteers">{t('volunteers.back')}</NavLink>
      </p>
      <PageHeading>
        {user.data
          ? userTextIn(t, 'volunteers.editTitle', { name: user.data.displayName })
          : t('volunteers.title')}
      </PageHeading>
      <ErrorMessage error={user.error} />
      {user.isPending && <p aria-busy="true">{t('app.loading')}</p>}
      {user.data && (
        <VolunteerForm
          user={user.data}
          me={me}
          onSaved={(saved) => client.setQueryData(queries.user(id).queryKey, saved)}
        />
      )}
    </section>
  );
}

function VolunteerForm({ user, me, onSaved }: { user: UserView; me: Me; onSaved: (u: UserView) => void }) {
  const { t, i18n } = useTranslation();
  const roles = useRoles(me);
  const hotline = useQuery(queries.publicSettings());
  const [displayName, setDisplayName] = useState(user.displayName);
  const [roleIds, setRoleIds] = useState(user.roles);
  const [languages, setLanguages] = useState(user.languages);
  const [phone, setPhone] = useState('');
  const [removePhone, setRemovePhone] = useState(false);
  const [callPreference, setCallPreference] = useState<CallPreference>(user.callPreference);
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    setSaved(false);
    const body: UpdateUserBody = {
      displayName: displayName.trim(),
      roles: roleIds,
      languages,
      callPreference,
    };
    // The full number is never sent back to the browser: an empty field keeps the stored one.
    if (removePhone) body.phone = null;
    else if (phone.trim()) body.phone = phone.trim();
    const updated = await updateUser(user.id, body);
    onSaved(updated);
    setPhone('');
    setRemovePhone(false);
    setSaved(true);
    if (user.id === me.id) await loadMe();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };

  const roleChoices = (roles.data?.length ? roles.data : user.roles.map((r) => ({ id: r, name: r }))).map(
    (r) => ({
      value: r.id,
      label: r.name,
    }),
  );
  const languageCodes = [...(hotline.data?.languages ?? []), ...user.languages, ...COMMON_LANGUAGES];

  return (
    <form onSubmit={submit}>
      <label htmlFor="vol-name">{t('volunteers.displayName')}</label>
      <input
        id="vol-name"
        required
        maxLength={80}
        value={displayName}
        onChange={(e) => setDisplayName(e.target.value)}
      />
      <CheckboxGroup
        legend={t('volunteers.roles')}
        choices={roleChoices}
        value={roleIds}
        onChange={setRoleIds}
      />
      {roleIds.length === 0 && <p className="hint">{t('volunteers.needRole')}</p>}
      <CheckboxGroup
        legend={t('volunteers.languages')}
        className="checkbox-group columns"
        choices={languageChoices(languageCodes, i18n.language)}
        value={languages}
        onChange={setLanguages}
      />
      <label htmlFor="vol-phone">{t('volunteers.phoneNumber')}</label>
      <p className="hint" id="vol-phone-help">
        {user.phoneLast4
          ? t('volunteers.phoneHelpSet', { last4: user.phoneLast4 })
          : t('volunteers.phoneHelpUnset')}
      </p>
      <input
        id="vol-phone"
        type="tel"
        autoComplete="off"
        className="ltr"
        aria-describedby="vol-phone-help"
        disabled={removePhone}
        value={phone}
        onChange={(e) => setPhone(e.target.value)}
      />
      {user.phoneLast4 && (
        <label className="checkbox">
          <input type="checkbox" checked={removePhone} onChange={(e) => setRemovePhone(e.target.checked)} />
          {t('volunteers.removePhone')}
        </label>
      )}
      <CallPreferenceSelect id="vol-call" value={callPreference} onChange={setCallPreference} />
      <ActionError error={save.error} />
      <p role="status" className="success">
        {saved ? t('common.saved') : ''}
      </p>
      <p>
        <button type="submit" disabled={save.busy || roleIds.length === 0}>
          {save.busy ? t('common.saving') : t('common.save')}
        </button>
      </p>
    </form>
  );
}
