import { BUILTIN_ROLES, type BuiltinRoleId, type RoleView } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { can, type Me } from '../../app/session.js';
import type { Column } from '../../components/DataTable.js';
import { fetchRoles } from '../../lib/api/index.js';
import { queryKeys } from '../../lib/queries/index.js';

/** The hotline's roles, or an empty list for someone who may not read them (ids are shown instead). */
export function useRoles(me: Me) {
  const allowed = can(me, 'roles:read');
  return useQuery({
    queryKey: [...queryKeys.roles, allowed],
    queryFn: async () => (allowed ? fetchRoles() : []),
  });
}

const isBuiltin = (id: string): id is BuiltinRoleId => Object.hasOwn(BUILTIN_ROLES, id);

/**
 * Where a role's name stands: on its own (a list, a table cell, a checkbox: "Volunteer") or
 * inside a sentence ("Your roles: volunteer"), where English writes it in lower case.
 */
export type RoleNameForm = 'name' | 'inSentence';

/**
 * A role's name for the reader: built-in roles (admin, volunteer, reporter) in the reader's
 * language, custom roles as the admin typed them, an unknown id as it is.
 */
export function roleName(t: TFunction, id: string, roles?: RoleView[], form: RoleNameForm = 'name'): string {
  const role = roles?.find((r) => r.id === id);
  if (isBuiltin(id) && (role?.builtin ?? true))
    return t(form === 'name' ? `roles.builtinNames.${id}` : `roles.builtinInSentence.${id}`);
  return role?.name ?? id;
}

/** Several roles' names as a list in the reader's language ("Admin, Volunteer"). */
export function roleNames(
  t: TFunction,
  language: string,
  ids: string[],
  roles?: RoleView[],
  form: RoleNameForm = 'name',
): string {
  return new Intl.ListFormat(language, { style: 'short', type: 'unit' }).format(
    ids.map((id) => roleName(t, id, roles, form)),
  );
}

/** Choices for a role picker: every role the reader may see, built-in ones translated. */
export function roleChoices(t: TFunction, roles: RoleView[]): { value: string; label: string }[] {
  return roles.map((r) => ({ value: r.id, label: roleName(t, r.id, roles) }));
}

/**
 * The columns a table of people (members, invites) starts with: the name, which names the row
 * for screen readers, and the roles, both as the admin typed them.
 */
export function personColumns<Person extends { displayName: string; roles: string[] }>(
  t: TFunction,
  language: string,
  roles: RoleView[] | undefined,
): Column<Person>[] {
  return [
    { header: t('volunteers.name'), cell: (p) => p.displayName, rowHeader: true, direction: 'auto' },
    { header: t('volunteers.roles'), cell: (p) => roleNames(t, language, p.roles, roles), direction: 'auto' },
  ];
}
