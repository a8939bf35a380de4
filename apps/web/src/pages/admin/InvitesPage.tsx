import {
  type CreatedInvite,
  type CreateInviteBody,
  INVITE_DEFAULT_HOURS,
  INVITE_MAX_HOURS,
  type InviteView,
  type RoleView,
} from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { CheckboxGroup } from '../../components/CheckboxGroup.js';
import { useConfirmRemoval } from '../../components/ConfirmDialog.js';
import { CopyField } from '../../components/CopyField.js';
import { DataTable, RowAction } from '../../components/DataTable.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { NameField } from '../../components/NameField.js';
import { Page } from '../../components/PageHeading.js';
import { Panel } from '../../components/Panel.js';
import { PhoneInput } from '../../components/PhoneInput.js';
import { FormActions } from '../../components/SubmitButton.js';
import { userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { WholeNumberInput } from '../../components/WholeNumberInput.js';
import { createInvite, revokeInvite } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { personColumns, roleChoices, roleName, useRoles } from './useRoles.js';

/** Invites: create one (its link is shown once), see which are pending or used, revoke. */
export function InvitesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const invites = useQuery(queries.invites());
  const roles = useRoles(me);
  const [created, setCreated] = useState<{ invite: CreatedInvite; name: string } | null>(null);
  const revocation = useConfirmRemoval({
    remove: (invite: InviteView) => revokeInvite(invite.id).then(() => void invites.refetch()),
    title: (invite) => userTextIn(t, 'invites.revokeTitle', { name: invite.displayName }),
    message: t('invites.revokeExplain'),
    confirmLabel: t('invites.revoke'),
  });

  return (
    <Page title={t('invites.title')}>
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
      {invites.data && (
        <InviteTable
          invites={invites.data}
          roles={roles.data}
          onRevoke={can(me, 'invites:write') ? revocation.ask : undefined}
        />
      )}
      {revocation.dialog}
    </Page>
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
    // The next invite starts from the defaults: keeping an admin's roles would make the next
    // person an admin too without anyone choosing it.
    setDisplayName('');
    setPhone('');
    setRoleIds(['volunteer']);
    setHours(String(INVITE_DEFAULT_HOURS));
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };

  // Without roles:read the only role offered is the volunteer one (the server decides anyway).
  const choices = roles.data
    ? roleChoices(t, roles.data)
    : [{ value: 'volunteer', label: roleName(t, 'volunteer') }];
  return (
    <Panel id="new-invite-title" title={t('invites.newTitle')} onSubmit={submit}>
      <NameField id="invite-name" caption={t('invites.name')} value={displayName} onChange={setDisplayName} />
      <CheckboxGroup legend={t('volunteers.roles')} choices={choices} value={roleIds} onChange={setRoleIds} />
      <label htmlFor="invite-phone">{t('invites.phone')}</label>
      <PhoneInput id="invite-phone" value={phone} onChange={(e) => setPhone(e.target.value)} />
      <label htmlFor="invite-hours">{t('invites.hours')}</label>
      <WholeNumberInput
        id="invite-hours"
        min={1}
        max={INVITE_MAX_HOURS}
        value={hours}
        onChange={(e) => setHours(e.target.value)}
      />
      <FormActions submit={save} action={t('invites.create')} disabled={roleIds.length === 0} />
    </Panel>
  );
}

/** Every invite: who for, which roles, pending / accepted / revoked / expired, and Revoke while pending. */
function InviteTable({
  invites,
  roles,
  onRevoke,
}: {
  invites: InviteView[];
  roles: RoleView[] | undefined;
  /** Given when the admin may revoke. */
  onRevoke?: (invite: InviteView) => void;
}) {
  const { t, i18n } = useTranslation();
  return (
    <DataTable
      caption={t('invites.listTitle')}
      captionHidden
      rows={invites}
      rowKey={(invite) => invite.id}
      empty={t('invites.none')}
      columns={[
        ...personColumns<InviteView>(t, i18n.language, roles),
        {
          header: t('invites.status'),
          cell: (invite) => (
            <span className={`badge status-${invite.status}`}>{t(`invites.statuses.${invite.status}`)}</span>
          ),
        },
        { header: t('invites.expiresAt'), cell: (invite) => formatDateTime(invite.expiresAt, i18n.language) },
      ]}
      actions={(invite) =>
        invite.status === 'pending' &&
        onRevoke && (
          <RowAction
            action={t('invites.revoke')}
            item={invite.displayName}
            danger
            onClick={() => onRevoke(invite)}
          />
        )
      }
    />
  );
}
