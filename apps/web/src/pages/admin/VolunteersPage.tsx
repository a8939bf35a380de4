import type { UserView } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { userTextIn } from '../../components/UserText.js';
import { setUserActive } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { roleNames, useRoles } from './useRoles.js';

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

  const list = users.data ?? [];
  return (
    <section>
      <PageHeading>{t('volunteers.title')}</PageHeading>
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
        <div className="table-wrap">
          <table>
            <caption>{t('volunteers.caption', { count: list.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('volunteers.name')}</th>
                <th scope="col">{t('volunteers.roles')}</th>
                <th scope="col">{t('volunteers.status')}</th>
                <th scope="col">{t('volunteers.phone')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((user) => (
                <tr key={user.id} className={user.active ? undefined : 'inactive'}>
                  <th scope="row" dir="auto">
                    {user.displayName}
                  </th>
                  <td>{roleNames(user.roles, roles.data)}</td>
                  <td>
                    {user.active ? t('volunteers.active') : t('volunteers.inactive')}
                    {user.active && user.onBreak && <span className="badge">{t('volunteers.onBreak')}</span>}
                  </td>
                  <td className="ltr-cell">
                    {user.phoneLast4 ? `•••• ${user.phoneLast4}` : t('common.none')}
                  </td>
                  <td>
                    <div className="button-row compact">
                      {can(me, 'users:write') && (
                        <NavLink href={`/admin/volunteers/${user.id}`} className="button-link">
                          {t('common.edit')}
                          <span className="visually-hidden"> {user.displayName}</span>
                        </NavLink>
                      )}
                      {can(me, 'users:deactivate') && user.id !== me.id && (
                        <button
                          type="button"
                          className={user.active ? 'secondary danger-text' : 'secondary'}
                          onClick={() => {
                            setDone(null);
                            setPending(user);
                          }}
                        >
                          {user.active ? t('volunteers.deactivate') : t('volunteers.reactivate')}
                          <span className="visually-hidden"> {user.displayName}</span>
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
    </section>
  );
}
