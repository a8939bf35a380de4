import { BUILTIN_ROLES, type BuiltinRoleId } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { AuthState } from '../http/context.js';

const isBuiltin = (role: string): role is BuiltinRoleId => Object.hasOwn(BUILTIN_ROLES, role);

/** The permissions granted by a list of role ids: built-in roles from the catalogue, custom ones from the table. */
export async function permissionsOfRoles(db: Queryable, roles: readonly string[]): Promise<string[]> {
  const grants = new Set<string>();
  const custom: string[] = [];
  for (const role of roles) {
    if (isBuiltin(role)) for (const p of BUILTIN_ROLES[role].permissions) grants.add(p);
    else custom.push(role);
  }
  if (custom.length) {
    const rows = await db.query<{ permissions: string[] }>(
      'select permissions from custom_roles where id = any($1::text[])',
      [custom],
    );
    for (const row of rows) for (const p of row.permissions) grants.add(p);
  }
  return [...grants].sort();
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
