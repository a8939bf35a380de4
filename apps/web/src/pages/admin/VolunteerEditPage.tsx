import type { CallPreference, UpdateUserBody, UserView } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadMe, type Me } from '../../app/session.js';
import { CallPreferenceSelect } from '../../components/CallPreferenceSelect.js';
import { CheckboxGroup } from '../../components/CheckboxGroup.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { MemberLanguagesField } from '../../components/MemberLanguagesField.js';
import { NameField } from '../../components/NameField.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { PhoneInput } from '../../components/PhoneInput.js';
import { FormActions } from '../../components/SubmitButton.js';
import { userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { updateUser } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { TrainingCallButton } from './TrainingCallButton.js';
import { roleChoices, roleName, useRoles } from './useRoles.js';

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
      {user.data && <TrainingCallButton traineeId={id} name={user.data.displayName} me={me} />}
    </section>
  );
}

function VolunteerForm({ user, me, onSaved }: { user: UserView; me: Me; onSaved: (u: UserView) => void }) {
  const { t } = useTranslation();
  const roles = useRoles(me);
  const [displayName, setDisplayName] = useState(user.displayName);
  const [roleIds, setRoleIds] = useState(user.roles);
  const [languages, setLanguages] = useState(user.languages);
  const [phoneChange, setPhoneChange] = useState(NO_PHONE_CHANGE);
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
    if (phoneChange.remove) body.phone = null;
    else if (phoneChange.phone.trim()) body.phone = phoneChange.phone.trim();
    const updated = await updateUser(user.id, body);
    onSaved(updated);
    setPhoneChange(NO_PHONE_CHANGE);
    setSaved(true);
    if (user.id === me.id) await loadMe();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };

  const choices = roles.data?.length
    ? roleChoices(t, roles.data)
    : user.roles.map((id) => ({ value: id, label: roleName(t, id) }));

  return (
    <form onSubmit={submit}>
      <NameField id="vol-name" value={displayName} onChange={setDisplayName} />
      <CheckboxGroup legend={t('volunteers.roles')} choices={choices} value={roleIds} onChange={setRoleIds} />
      {roleIds.length === 0 && <p className="hint">{t('volunteers.needRole')}</p>}
      <MemberLanguagesField
        legend={t('volunteers.languages')}
        own={user.languages}
        value={languages}
        onChange={setLanguages}
      />
      <PhoneFields last4={user.phoneLast4} value={phoneChange} onChange={setPhoneChange} />
      <CallPreferenceSelect id="vol-call" value={callPreference} onChange={setCallPreference} />
      <FormActions submit={save} disabled={roleIds.length === 0} status={saved ? t('common.saved') : ''} />
    </form>
  );
}

/** What the admin asks of the stored phone: a new number, or to remove it; neither keeps it. */
interface PhoneChange {
  phone: string;
  remove: boolean;
}
const NO_PHONE_CHANGE: PhoneChange = { phone: '', remove: false };

/**
 * The member's phone: the full number is never sent back to the browser, so the field starts
 * empty (the hint says which number is stored) and a box removes the stored one.
 */
function PhoneFields({
  last4,
  value,
  onChange,
}: {
  last4: string | null;
  value: PhoneChange;
  onChange: (change: PhoneChange) => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <label htmlFor="vol-phone">{t('volunteers.phoneNumber')}</label>
      <p className="hint" id="vol-phone-help">
        {last4 ? t('volunteers.phoneHelpSet', { last4: last4 }) : t('volunteers.phoneHelpUnset')}
      </p>
      <PhoneInput
        id="vol-phone"
        aria-describedby="vol-phone-help"
        disabled={value.remove}
        value={value.phone}
        onChange={(e) => onChange({ ...value, phone: e.target.value })}
      />
      {last4 && (
        <label className="checkbox">
          <input
            type="checkbox"
            checked={value.remove}
            onChange={(e) => onChange({ ...value, remove: e.target.checked })}
          />
          {t('volunteers.removePhone')}
        </label>
      )}
    </>
  );
}
