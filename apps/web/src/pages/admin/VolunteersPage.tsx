import type { RoleView, UserView } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { DataTable, RowAction } from '../../components/DataTable.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { NavLink } from '../../components/NavLink.js';
import { Page } from '../../components/PageHeading.js';
import { userTextIn } from '../../components/UserText.js';
import { setUserActive } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { personColumns, useRoles } from './useRoles.js';

/** The member list: who is active, on break, which roles; edit and (de)activate from here. */
export function VolunteersPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const users = useQuery(queries.users());
  const roles = useRoles(me);
  const [pending, setPending] = useState<UserView | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function toggleActive(user: UserView) {
    await setUserActive(user.id, !user.active);
    setDone(
      user.active
        ? t('volunteers.deactivated', { name: user.displayName })
        : t('volunteers.reactivated', { name: user.displayName }),
    );
    void users.refetch();
  }

  return (
    <Page title={t('volunteers.title')}>
      {can(me, 'invites:write') && (
        <p>
          <NavLink href="/admin/invites">{t('volunteers.inviteSomeone')}</NavLink>
        </p>
      )}
      <ErrorMessage error={users.error} />
      <p role="status" className="success">
        {done}
      </p>
      {users.isPending && <p aria-busy="true">{t('app.loading')}</p>}
      {users.data && (
        <MembersTable
          me={me}
          members={users.data}
          roles={roles.data}
          onToggle={(user) => {
            setDone(null);
            setPending(user);
          }}
        />
      )}
      <ConfirmDialog
        open={pending !== null}
        title={
          pending?.active
            ? userTextIn(t, 'volunteers.deactivateTitle', { name: pending?.displayName })
            : userTextIn(t, 'volunteers.reactivateTitle', { name: pending?.displayName })
        }
        message={pending?.active ? t('volunteers.deactivateExplain') : t('volunteers.reactivateExplain')}
        confirmLabel={pending?.active ? t('volunteers.deactivate') : t('volunteers.reactivate')}
        danger={pending?.active}
        onConfirm={() => (pending ? toggleActive(pending) : Promise.resolve())}
        onClose={() => setPending(null)}
      />
    </Page>
  );
}

/** Active or not, and on break. */
function MemberStatus({ user }: { user: UserView }) {
  const { t } = useTranslation();
  return (
    <>
      <span>{user.active ? t('volunteers.active') : t('volunteers.inactive')}</span>
      {user.active && user.onBreak && (
        <>
          {' '}
          <span className="badge">{t('volunteers.onBreak')}</span>
        </>
      )}
    </>
  );
}

/** One row per member; Edit and (de)activate as the admin's permissions allow (never themselves). */
function MembersTable({
  me,
  members,
  roles,
  onToggle,
}: {
  me: Me;
  members: UserView[];
  roles: RoleView[] | undefined;
  onToggle: (user: UserView) => void;
}) {
  const { t, i18n } = useTranslation();
  return (
    <DataTable
      caption={t('volunteers.caption', { count: members.length })}
      rows={members}
      rowKey={(user) => user.id}
      rowClassName={(user) => (user.active ? undefined : 'inactive')}
      columns={[
        ...personColumns<UserView>(t, i18n.language, roles),
        { header: t('volunteers.status'), cell: (user) => <MemberStatus user={user} /> },
        {
          header: t('volunteers.phone'),
          cell: (user) => (user.phoneLast4 ? `•••• ${user.phoneLast4}` : t('common.none')),
          direction: 'ltr',
        },
      ]}
      actions={(user) => (
        <>
          {can(me, 'users:write') && (
            <NavLink href={`/admin/volunteers/${user.id}`} className="button-link">
              {t('common.edit')}
              <span className="visually-hidden"> {user.displayName}</span>
            </NavLink>
          )}
          {can(me, 'users:deactivate') && user.id !== me.id && (
            <RowAction
              action={user.active ? t('volunteers.deactivate') : t('volunteers.reactivate')}
              item={user.displayName}
              danger={user.active}
              onClick={() => onToggle(user)}
            />
          )}
        </>
      )}
    />
  );
}
