import { randomUUID } from 'node:crypto';
import {
  BUILTIN_ROLES,
  type BuiltinRoleId,
  type CreateRoleBody,
  hasPermission,
  isValidGrant,
  PERMISSIONS,
  type Permission,
  type RoleView,
  type UpdateRoleBody,
} from '@llamenos/protocol';
import type { Database, Queryable } from '../db/database.js';
import { DomainError } from '../domain/errors.js';
import { type Actor, auditIdentity, isUniqueViolation } from './service.js';

/**
 * Roles: the built-in ones from the protocol catalogue, and custom ones admins define from
 * the same permission catalogue. A role can only be created, widened or handed out by
 * someone who already holds every permission it grants, so `roles:write` or `users:write`
 * never becomes a path to admin.
 */

const isBuiltinRole = (id: string): id is BuiltinRoleId => Object.hasOwn(BUILTIN_ROLES, id);

/** Every catalogue permission a grant covers ('*' and 'domain:*' expand). */
const expandGrant = (grant: string): Permission[] => PERMISSIONS.filter((p) => hasPermission([grant], p));

/** True if someone holding `held` holds everything `grant` gives. */
export const coversGrant = (held: readonly string[], grant: string): boolean =>
  expandGrant(grant).every((p) => hasPermission(held, p));

interface CustomRoleRow {
  id: string;
  name: string;
  description: string;
  permissions: string[];
}

const builtinViews = (): RoleView[] =>
  Object.entries(BUILTIN_ROLES).map(([id, role]) => ({
    id,
    name: role.name,
    description: '',
    permissions: [...role.permissions],
    builtin: true,
  }));

const customView = (r: CustomRoleRow): RoleView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  permissions: r.permissions,
  builtin: false,
});

export async function listRoles(db: Queryable): Promise<RoleView[]> {
  const rows = await db.query<CustomRoleRow>(
    'select id, name, description, permissions from custom_roles order by name',
  );
  return [...builtinViews(), ...rows.map(customView)];
}

/** The grants of a role, or null when no such role exists. */
async function grantsOfRole(db: Queryable, id: string): Promise<readonly string[] | null> {
  if (isBuiltinRole(id)) return BUILTIN_ROLES[id].permissions;
  const [row] = await db.query<{ permissions: string[] }>(
    'select permissions from custom_roles where id = $1',
    [id],
  );
  return row?.permissions ?? null;
}

/**
 * Each of `roles` in order with its grants (null for an unknown role) and whether the actor holds
 * all of them; a role is read only when the caller asks for it, so a refusal stops the reads.
 */
async function* rolesAgainst(db: Queryable, roles: readonly string[], actor: Pick<Actor, 'permissions'>) {
  for (const role of roles) {
    const grants = await grantsOfRole(db, role);
    yield { role, grants, held: (grants ?? []).every((g) => coversGrant(actor.permissions, g)) };
  }
}

/**
 * Refuses to let an actor edit, deactivate or reactivate someone holding grants the actor lacks:
 * otherwise `users:write` could rewrite an admin's phone, or `users:deactivate` bring an admin back.
 */
export async function assertCanManage(
  db: Queryable,
  targetRoles: readonly string[],
  actor: Pick<Actor, 'permissions'>,
): Promise<void> {
  for await (const { held } of rolesAgainst(db, targetRoles, actor))
    if (!held)
      throw new DomainError('forbidden', 'you cannot manage a member who holds permissions you do not hold');
}

/** Refuses unknown roles, and roles granting anything the actor does not hold themselves. */
export async function assertRolesAssignable(
  db: Queryable,
  roles: readonly string[],
  actor: Pick<Actor, 'permissions'>,
): Promise<void> {
  for await (const { role, grants, held } of rolesAgainst(db, roles, actor)) {
    if (!grants) throw new DomainError('invalid', `unknown role "${role}"`);
    if (!held)
      throw new DomainError(
        'forbidden',
        `you cannot grant role "${role}": it carries permissions you do not hold`,
      );
  }
}

function assertGrantsAllowed(permissions: readonly string[], actor: Pick<Actor, 'permissions'>): void {
  const invalid = permissions.filter((p) => !isValidGrant(p));
  if (invalid.length) throw new DomainError('invalid', `unknown permissions: ${invalid.join(', ')}`);
  const beyond = permissions.filter((p) => !coversGrant(actor.permissions, p));
  if (beyond.length)
    throw new DomainError('forbidden', `you cannot grant permissions you do not hold: ${beyond.join(', ')}`);
}

/** Custom role ids are readable slugs of the name, prefixed so they can never shadow a built-in id. */
export function customRoleId(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `custom-${slug || randomUUID()}`;
}

function assertNameFree(name: string): void {
  const lower = name.toLowerCase();
  const clash = Object.entries(BUILTIN_ROLES).some(
    ([id, r]) => id === lower || r.name.toLowerCase() === lower,
  );
  if (clash) throw new DomainError('conflict', `"${name}" is the name of a built-in role`);
}

/** A role write whose unique violation is a name another custom role holds. */
async function nameUnique<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('conflict', `a role named "${name}" already exists`);
    throw error;
  }
}

export async function createRole(
  db: Database,
  body: CreateRoleBody,
  actor: Actor,
  now: Date,
): Promise<RoleView> {
  assertGrantsAllowed(body.permissions, actor);
  assertNameFree(body.name);
  const id = customRoleId(body.name);
  return nameUnique(body.name, () =>
    db.transaction(async (tx) => {
      const [row] = await tx.query<CustomRoleRow>(
        `insert into custom_roles (id, name, description, permissions, created_at, updated_at)
         values ($1, $2, $3, $4::jsonb, $5, $5) returning id, name, description, permissions`,
        [id, body.name, body.description ?? '', JSON.stringify(body.permissions), now],
      );
      await auditIdentity(
        tx,
        actor,
        'role-created',
        `role:${id}`,
        { name: body.name, permissions: body.permissions },
        now,
      );
      return customView(row!);
    }),
  );
}

export async function updateRole(
  db: Database,
  id: string,
  body: UpdateRoleBody,
  actor: Actor,
  now: Date,
): Promise<RoleView> {
  if (isBuiltinRole(id)) throw new DomainError('conflict', 'built-in roles cannot be changed');
  if (body.permissions) assertGrantsAllowed(body.permissions, actor);
  if (body.name) assertNameFree(body.name);
  return nameUnique(body.name, () =>
    db.transaction(async (tx) => {
      const [before] = await tx.query<CustomRoleRow>(
        'select id, name, description, permissions from custom_roles where id = $1 for update',
        [id],
      );
      if (!before) throw new DomainError('not-found', `no role "${id}"`);
      // Widening a role widens everyone holding it: only someone holding the current grants may rewrite them.
      if (body.permissions) assertGrantsAllowed(before.permissions, actor);
      const [after] = await tx.query<CustomRoleRow>(
        `update custom_roles set name = $2, description = $3, permissions = $4::jsonb, updated_at = $5
         where id = $1 returning id, name, description, permissions`,
        [
          id,
          body.name ?? before.name,
          body.description ?? before.description,
          JSON.stringify(body.permissions ?? before.permissions),
          now,
        ],
      );
      await auditIdentity(
        tx,
        actor,
        'role-updated',
        `role:${id}`,
        {
          name: after!.name,
          permissionsBefore: before.permissions,
          permissionsAfter: after!.permissions,
        },
        now,
      );
      return customView(after!);
    }),
  );
}

/** Deletes a custom role nobody holds and no pending invite hands out. */
export async function deleteRole(db: Database, id: string, actor: Actor, now: Date): Promise<void> {
  if (isBuiltinRole(id)) throw new DomainError('conflict', 'built-in roles cannot be deleted');
  await db.transaction(async (tx) => {
    const [role] = await tx.query<CustomRoleRow>(
      'select id, name, description, permissions from custom_roles where id = $1 for update',
      [id],
    );
    if (!role) throw new DomainError('not-found', `no role "${id}"`);
    const held = JSON.stringify([id]);
    const [users] = await tx.query<{ n: number }>(
      'select count(*)::int as n from users where roles @> $1::jsonb',
      [held],
    );
    if (Number(users?.n) > 0)
      throw new DomainError(
        'conflict',
        `role "${id}" is assigned to ${users!.n} user(s); reassign them first`,
      );
    const [invites] = await tx.query<{ n: number }>(
      `select count(*)::int as n from invites
       where roles @> $1::jsonb and redeemed_at is null and revoked_at is null and expires_at > $2`,
      [held, now],
    );
    if (Number(invites?.n) > 0)
      throw new DomainError(
        'conflict',
        `role "${id}" is offered by ${invites!.n} pending invite(s); revoke them first`,
      );
    await tx.query('delete from custom_roles where id = $1', [id]);
    await auditIdentity(tx, actor, 'role-deleted', `role:${id}`, { name: role.name }, now);
  });
}
