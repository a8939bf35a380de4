import type { CreateRoleBody, RoleView } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ActionError } from '../../components/ActionError.js';
import { useConfirmRemoval } from '../../components/ConfirmDialog.js';
import { DataTable, RowAction } from '../../components/DataTable.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { Page } from '../../components/PageHeading.js';
import type { FormEnd } from '../../components/props.js';
import { UserText, userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { createRole, deleteRole, updateRole } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { PermissionPicker } from './PermissionPicker.js';
import { roleName, useRoles } from './useRoles.js';

type Editing = { kind: 'new' } | { kind: 'edit'; role: RoleView } | null;

/** Built-in roles (read-only) and custom roles with their permission lists. */
export function RolesPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const roles = useRoles(me);
  const catalogue = useQuery(queries.permissions());
  const [editing, setEditing] = useState<Editing>(null);
  const deletion = useConfirmRemoval({
    remove: (role: RoleView) => deleteRole(role.id).then(() => void roles.refetch()),
    title: (role) => userTextIn(t, 'roles.deleteTitle', { name: role.name }),
    message: t('roles.deleteExplain'),
    confirmLabel: t('common.delete'),
  });
  const writable = can(me, 'roles:write');

  const builtin = roles.data?.filter((r) => r.builtin) ?? [];
  const custom = roles.data?.filter((r) => !r.builtin) ?? [];

  return (
    <Page title={t('roles.title')}>
      <ErrorMessage error={roles.error ?? catalogue.error} />
      {roles.isPending && <p aria-busy="true">{t('app.loading')}</p>}
      {editing && catalogue.data ? (
        <RoleEditor
          role={editing.kind === 'edit' ? editing.role : null}
          catalogue={catalogue.data}
          onDone={() => {
            setEditing(null);
            void roles.refetch();
          }}
          onCancel={() => setEditing(null)}
        />
      ) : (
        <>
          {writable && (
            <p>
              <button type="button" onClick={() => setEditing({ kind: 'new' })} disabled={!catalogue.data}>
                {t('roles.new')}
              </button>
            </p>
          )}
          <RoleTable
            caption={t('roles.custom')}
            roles={custom}
            empty={t('roles.noCustom')}
            onEdit={writable ? (role) => setEditing({ kind: 'edit', role }) : undefined}
            onDelete={writable ? deletion.ask : undefined}
          />
          <RoleTable caption={t('roles.builtin')} roles={builtin} empty="" />
        </>
      )}
      {deletion.dialog}
    </Page>
  );
}

function RoleTable({
  caption,
  roles,
  empty,
  onEdit,
  onDelete,
}: {
  caption: string;
  roles: RoleView[];
  empty: string;
  onEdit?: (role: RoleView) => void;
  onDelete?: (role: RoleView) => void;
}) {
  const { t } = useTranslation();
  return (
    <DataTable
      caption={caption}
      rows={roles}
      rowKey={(role) => role.id}
      empty={empty}
      columns={[
        { header: t('roles.name'), cell: (role) => <RoleName role={role} />, rowHeader: true },
        {
          header: t('roles.permissions'),
          cell: (role) => <RolePermissions permissions={role.permissions} />,
        },
      ]}
      actions={
        onEdit &&
        ((role) => (
          <>
            <RowAction action={t('common.edit')} item={role.name} onClick={() => onEdit(role)} />
            {onDelete && (
              <RowAction action={t('common.delete')} item={role.name} danger onClick={() => onDelete(role)} />
            )}
          </>
        ))
      }
    />
  );
}

/** The role's name (a built-in one in the reader's language, a custom one as its author typed it), and what it is for. */
function RoleName({ role }: { role: RoleView }) {
  const { t } = useTranslation();
  return (
    <>
      {role.builtin ? roleName(t, role.id, [role]) : <UserText>{role.name}</UserText>}
      {role.description && (
        <p className="hint" dir="auto">
          {role.description}
        </p>
      )}
    </>
  );
}

/** How much a role grants, opened to the list of permission names. */
function RolePermissions({ permissions }: { permissions: string[] }) {
  const { t } = useTranslation();
  return (
    <details>
      <summary>
        {permissions.includes('*')
          ? t('roles.everything')
          : t('roles.permissionCount', { count: permissions.length })}
      </summary>
      <ul className="code-list">
        {permissions.map((p) => (
          <li key={p}>
            <code>{p}</code>
          </li>
        ))}
      </ul>
    </details>
  );
}

/** Drops grants a wildcard already covers, so the stored role says plainly what it grants. */
function withoutCovered(grants: string[]): string[] {
  if (grants.includes('*')) return ['*'];
  return grants.filter((g) => g.endsWith(':*') || !grants.includes(`${g.slice(0, g.indexOf(':'))}:*`));
}

/** The role to edit (null: a new one) and the permissions a role may grant. */
type RoleEditorProps = { role: RoleView | null; catalogue: string[] } & FormEnd;

function RoleEditor({ role, catalogue, onDone, onCancel }: RoleEditorProps) {
  const { t } = useTranslation();
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [permissions, setPermissions] = useState<string[]>(role?.permissions ?? []);
  const heading = useRef<HTMLHeadingElement>(null);

  // The editor replaces the list: move focus to it so keyboard users start at its top.
  useEffect(() => heading.current?.focus(), []);

  const save = useSubmit(async () => {
    const body: CreateRoleBody = {
      name: name.trim(),
      description: description.trim(),
      permissions: withoutCovered(permissions),
    };
    if (role) await updateRole(role.id, body);
    else await createRole(body);
    onDone();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };

  return (
    <form onSubmit={submit} aria-labelledby="role-editor-title">
      <h2 id="role-editor-title" ref={heading} tabIndex={-1}>
        {role ? userTextIn(t, 'roles.editTitle', { name: role.name }) : t('roles.new')}
      </h2>
      <label htmlFor="role-name">{t('roles.name')}</label>
      <input id="role-name" required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor="role-description">{t('roles.description')}</label>
      <textarea
        id="role-description"
        maxLength={300}
        rows={2}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
      />
      <PermissionPicker catalogue={catalogue} value={permissions} onChange={setPermissions} />
      {permissions.length === 0 && <p className="hint">{t('roles.needPermission')}</p>}
      <ActionError error={save.error} />
      <div className="button-row">
        <button type="submit" disabled={save.busy || permissions.length === 0}>
          {save.busy ? t('common.saving') : t('common.save')}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
