import type { RoleView } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { can, type Me } from '../../app/session.js';
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

export function roleNames(ids: string[], roles: RoleView[] | undefined): string {
  return ids.map((id) => roles?.find((r) => r.id === id)?.name ?? id).join(', ');
}
