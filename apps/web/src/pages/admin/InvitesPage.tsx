import {
  type CreatedInvite,
  type CreateInviteBody,
  INVITE_DEFAULT_HOURS,
  INVITE_MAX_HOURS,
  type InviteView,
} from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ActionError } from '../../components/ActionError.js';
import { CheckboxGroup } from '../../components/CheckboxGroup.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { CopyField } from '../../components/CopyField.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { PageHeading } from '../../components/PageHeading.js';
import { userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { createInvite, revokeInvite } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { roleNames, useRoles } from './useRoles.js';

/** Invites: create one (its link is shown once), see which are pending or used, revoke. */
export function InvitesPage({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const invites = useQuery(queries.invites());
  const roles = useRoles(me);
  const [created, setCreated] = useState<{ invite: CreatedInvite; name: string } | null>(null);
  const [revoking, setRevoking] = useState<InviteView | null>(null);

  return (
    <section>
      <PageHeading>{t('invites.title')}</PageHeading>
      {can(me, 'invites:write') && (
        <NewInviteForm
          me={me}
          onCreated={(invite, name) => {
            setCreated({ invite, name });
            void invites.refetch();
          }}
        />
      )}
      {created && (
        <CreatedInvitePanel invite={created.invite} name={created.name} onDone={() => setCreated(null)} />
      )}
      <h2>{t('invites.listTitle')}</h2>
      <ErrorMessage error={invites.error} />
      {invites.isPending && <p aria-busy="true">{t('app.loading')}</p>}
      {invites.data && invites.data.length === 0 && <p>{t('invites.none')}</p>}
      {invites.data && invites.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('invites.listTitle')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('volunteers.name')}</th>
                <th scope="col">{t('volunteers.roles')}</th>
                <th scope="col">{t('invites.status')}</th>
                <th scope="col">{t('invites.expiresAt')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {invites.data.map((invite) => (
                <tr key={invite.id}>
                  <th scope="row" dir="auto">
                    {invite.displayName}
                  </th>
                  <td>{roleNames(invite.roles, roles.data)}</td>
                  <td>
                    <span className={`badge status-${invite.status}`}>
                      {t(`invites.statuses.${invite.status}`)}
                    </span>
                  </td>
                  <td>{formatDateTime(invite.expiresAt, i18n.language)}</td>
                  <td>
                    {invite.status === 'pending' && can(me, 'invites:write') && (
                      <button
                        type="button"
                        className="secondary danger-text"
                        onClick={() => setRevoking(invite)}
                      >
                        {t('invites.revoke')}
                        <span className="visually-hidden"> {invite.displayName}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title={userTextIn(t, 'invites.revokeTitle', { name: revoking?.displayName })}
        message={t('invites.revokeExplain')}
        confirmLabel={t('invites.revoke')}
        danger
        onConfirm={async () => {
          if (!revoking) return;
          await revokeInvite(revoking.id);
          void invites.refetch();
        }}
        onClose={() => setRevoking(null)}
      />
    </section>
  );
}

/** The new link, shown once; focus moves to it so nobody misses that it appeared. */
function CreatedInvitePanel({
  invite,
  name,
  onDone,
}: {
  invite: CreatedInvite;
  name: string;
  onDone: () => void;
}) {
  const { t, i18n } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="panel notice" aria-labelledby="invite-link-title">
      <h2 id="invite-link-title" tabIndex={-1} ref={heading}>
        {userTextIn(t, 'invites.linkTitle', { name })}
      </h2>
      <p>{t('invites.linkOnce')}</p>
      <CopyField label={t('invites.link')} value={invite.link} />
      <p>{t('invites.expires', { date: formatDateTime(invite.expiresAt, i18n.language) })}</p>
      <button type="button" className="secondary" onClick={onDone}>
        {t('invites.linkDone')}
      </button>
    </section>
  );
}

function NewInviteForm({
  me,
  onCreated,
}: {
  me: Me;
  onCreated: (invite: CreatedInvite, name: string) => void;
}) {
  const { t } = useTranslation();
  const roles = useRoles(me);
  const [displayName, setDisplayName] = useState('');
  const [roleIds, setRoleIds] = useState<string[]>(['volunteer']);
  const [phone, setPhone] = useState('');
  const [hours, setHours] = useState(String(INVITE_DEFAULT_HOURS));
  const save = useSubmit(async () => {
    const body: CreateInviteBody = {
      displayName: displayName.trim(),
      roles: roleIds,
      expiresInHours: Number(hours),
      ...(phone.trim() ? { phone: phone.trim() } : {}),
    };
    const invite = await createInvite(body);
    onCreated(invite, body.displayName);
    setDisplayName('');
    setPhone('');
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };

  const choices = (roles.data ?? [{ id: 'volunteer', name: 'volunteer' }]).map((r) => ({
    value: r.id,
    label: r.name,
  }));
  return (
    <form onSubmit={submit} className="panel" aria-labelledby="new-invite-title">
      <h2 id="new-invite-title">{t('invites.newTitle')}</h2>
      <label htmlFor="invite-name">{t('invites.name')}</label>
      <input
        id="invite-name"
        required
        maxLength={80}
        value={displayName}
        onChange={(e) => setDisplayName(e.target.value)}
      />
      <CheckboxGroup legend={t('volunteers.roles')} choices={choices} value={roleIds} onChange={setRoleIds} />
      <label htmlFor="invite-phone">{t('invites.phone')}</label>
      <input
        id="invite-phone"
        type="tel"
        className="ltr"
        autoComplete="off"
        value={phone}
        onChange={(e) => setPhone(e.target.value)}
      />
      <label htmlFor="invite-hours">{t('invites.hours')}</label>
      <input
        id="invite-hours"
        type="number"
        inputMode="numeric"
        min={1}
        max={INVITE_MAX_HOURS}
        required
        value={hours}
        onChange={(e) => setHours(e.target.value)}
      />
      <ActionError error={save.error} />
      <p>
        <button type="submit" disabled={save.busy || roleIds.length === 0}>
          {save.busy ? t('common.saving') : t('invites.create')}
        </button>
      </p>
    </form>
  );
}
