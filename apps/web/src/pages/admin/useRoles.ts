import type { RoleView } from '@llamenos/protocol';
import { can, type Me } from '../../app/session.js';
import { useLoad } from '../../components/useLoad.js';
import { api } from '../../lib/api.js';

/** The hotline's roles, or an empty list for someone who may not read them (ids are shown instead). */
export function useRoles(me: Me) {
  return useLoad('roles', async () =>
    can(me, 'roles:read') ? (await api<{ roles: RoleView[] }>('GET', '/api/roles')).roles : [],
  );
}

export function roleNames(ids: string[], roles: RoleView[] | null): string {
  return ids.map((id) => roles?.find((r) => r.id === id)?.name ?? id).join(', ');
}
