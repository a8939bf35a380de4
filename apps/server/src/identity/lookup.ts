import { BUILTIN_ROLES, type BuiltinRoleId } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { AuthState } from '../http/context.js';

const isBuiltin = (role: string): role is BuiltinRoleId => Object.hasOwn(BUILTIN_ROLES, role);

/**
 * The permissions granted by a list of role ids, given the permissions of the custom roles among
 * them as read from the table (a built-in id always means the catalogue's role).
 */
export function grantsOf(roles: readonly string[], customPermissions: Record<string, string[]>): string[] {
  const grants = new Set<string>();
  for (const role of roles) {
    // Own keys only: a role id such as "constructor" must not reach Object.prototype.
    const permissions = isBuiltin(role)
      ? BUILTIN_ROLES[role].permissions
      : Object.hasOwn(customPermissions, role)
        ? customPermissions[role]
        : undefined;
    for (const p of permissions ?? []) grants.add(p);
  }
  return [...grants].sort();
}

/** The permissions granted by a list of role ids: built-in roles from the catalogue, custom ones from the table. */
export async function permissionsOfRoles(db: Queryable, roles: readonly string[]): Promise<string[]> {
  const custom = roles.filter((role) => !isBuiltin(role));
  const customPermissions: Record<string, string[]> = {};
  if (custom.length) {
    const rows = await db.query<{ id: string; permissions: string[] }>(
      'select id, permissions from custom_roles where id = any($1::text[])',
      [custom],
    );
    for (const row of rows) customPermissions[row.id] = row.permissions;
  }
  return grantsOf(roles, customPermissions);
}

/** The active user holding `pubkey`, with the permissions of their roles; null for unknown or deactivated keys. */
export async function lookupActiveUser(db: Queryable, pubkey: string): Promise<AuthState['user']> {
  const [row] = await db.query<{ id: string; pubkey: string; roles: string[] }>(
    'select id, pubkey, roles from users where pubkey = $1 and active',
    [pubkey],
  );
  if (!row) return null;
  return {
    id: row.id,
    pubkey: row.pubkey,
    roles: row.roles,
    permissions: await permissionsOfRoles(db, row.roles),
  };
}

/** Whether a user with this id exists, active or not. */
export async function userExists(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query('select 1 from users where id = $1', [id]);
  return rows.length > 0;
}

/** The public key of a user, for events that name them (call:answered). */
export async function pubkeyOf(db: Queryable, userId: string): Promise<string | null> {
  const [row] = await db.query<{ pubkey: string }>('select pubkey from users where id = $1', [userId]);
  return row?.pubkey ?? null;
}

/** How each user may be rung: their sealed phone number and call preference, by id. */
export async function reachOf(
  db: Queryable,
  userIds: readonly string[],
): Promise<{ id: string; phoneEnc: string | null; callPreference: string }[]> {
  if (!userIds.length) return [];
  const rows = await db.query<{ id: string; phone_enc: string | null; call_preference: string }>(
    'select id, phone_enc, call_preference from users where id = any($1::text[]) order by id',
    [userIds],
  );
  return rows.map((r) => ({ id: r.id, phoneEnc: r.phone_enc, callPreference: r.call_preference }));
}
