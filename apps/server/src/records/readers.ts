import { BUILTIN_ROLES, hasPermission, type Permission } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import { lookupActiveUser } from '../identity/lookup.js';

/**
 * Active users whose roles (built-in or custom) grant `permission`, ordered by pubkey. The
 * readers of anything sealed "for the admins" are chosen with this, each by its own permission.
 */
export async function activeUsersHolding(
  db: Queryable,
  permission: Permission,
): Promise<{ id: string; pubkey: string }[]> {
  const users = await db.query<{ id: string; pubkey: string; roles: string[] }>(
    'select id, pubkey, roles from users where active order by pubkey',
  );
  const custom = new Map(
    (await db.query<{ id: string; permissions: string[] }>('select id, permissions from custom_roles')).map(
      (r) => [r.id, r.permissions] as const,
    ),
  );
  const grantsOf = (role: string): readonly string[] =>
    Object.hasOwn(BUILTIN_ROLES, role)
      ? BUILTIN_ROLES[role as keyof typeof BUILTIN_ROLES].permissions
      : (custom.get(role) ?? []);
  return users
    .filter((u) => hasPermission(u.roles.flatMap(grantsOf), permission))
    .map((u) => ({ id: u.id, pubkey: u.pubkey }));
}

/**
 * The "current admins" of the notes design: active users whose roles grant notes:read-all
 * (built-in admins and any custom role that holds it). Every new note version must be
 * wrapped for each of them; a removed admin drops out of this set and so stops receiving
 * wraps for new notes.
 */
export async function currentNoteAdmins(db: Queryable): Promise<string[]> {
  return (await activeUsersHolding(db, 'notes:read-all')).map((u) => u.pubkey);
}

/** True if `pubkey` is one of the current admins (the only valid target of a grant). */
export async function isCurrentNoteAdmin(db: Queryable, pubkey: string): Promise<boolean> {
  const user = await lookupActiveUser(db, pubkey);
  return user !== null && hasPermission(user.permissions, 'notes:read-all');
}

/** Everyone a note by `authorPubkey` must be sealed for: the author, then every current admin. */
export async function requiredReaders(db: Queryable, authorPubkey: string): Promise<string[]> {
  return [...new Set([authorPubkey, ...(await currentNoteAdmins(db))])];
}
