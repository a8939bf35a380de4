import {
  BootstrapBody,
  CreateInviteBody,
  CreateRoleBody,
  IdParam,
  InviteListQuery,
  InviteTokenBody,
  type JoinLinkStatus,
  PERMISSIONS,
  RedeemInviteBody,
  UpdateProfileBody,
  UpdateRoleBody,
  UpdateUserBody,
  UserListQuery,
} from '@llamenos/protocol';
import type { Context, Hono } from 'hono';
import type { Queryable } from '../db/database.js';
import { rateLimited } from '../domain/errors.js';
import { actorOf as signedActorOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { isMember, isPublic, isSigned, requires } from '../http/guard.js';
import { routeGroups, under } from '../http/route-groups.js';
import { readJson, readParams, readQuery } from '../http/validate.js';
import { hitRateLimit, RATE_LIMITS, type RateLimitRule } from '../rate-limit/service.js';
import { onMembershipChanged } from '../realtime/membership.js';
import { bootstrapLinkStatus, redeemBootstrap } from './bootstrap-redeem.js';
import {
  createInvite,
  inviteLinkStatus,
  listInvites,
  previewInvite,
  redeemInvite,
  revokeInvite,
} from './invites.js';
import { createRole, deleteRole, listRoles, updateRole } from './roles.js';
import {
  deactivateUser,
  getProfile,
  getUser,
  listUsers,
  reactivateUser,
  revealPhone,
  updateProfile,
  updateUser,
} from './users.js';

/** The signed-in caller (guards have already established there is one). */
const actorOf = (c: Context<AppEnv>) => signedActorOf(c, 'this request must be signed');

/** Counts an attempt by the caller's address against `rule`; refuses once the window is full. */
async function limitByAddress(
  ctx: ServerContext,
  c: Context<AppEnv>,
  scope: string,
  rule: RateLimitRule,
): Promise<void> {
  const verdict = await hitRateLimit(ctx.db, `${scope}:${c.get('auth').ipHash}`, rule, ctx.now());
  if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);
}

/**
 * `POST /status {token}`: whether a join link (bootstrap or invite) can still be used. The code
 * travels in the body, not the path, so it never reaches an access log. Counted under its own
 * `scope`, apart from redemption (same rule), so checking on every reload never uses up the
 * attempt that registers.
 */
function linkStatusRoute(
  app: Hono<AppEnv>,
  ctx: ServerContext,
  scope: string,
  rule: RateLimitRule,
  statusOf: (db: Queryable, token: string, now: Date) => Promise<JoinLinkStatus>,
): void {
  app.post('/status', isPublic(), async (c) => {
    await limitByAddress(ctx, c, scope, rule);
    const { token } = await readJson(c, InviteTokenBody);
    return c.json({ status: await statusOf(ctx.db, token, ctx.now()) });
  });
}

/**
 * Identity routes: bootstrap, invites, users, roles, the permission catalogue and the
 * caller's profile. Routes that face code guessing (bootstrap, invite preview and
 * redemption) count attempts per client address in the database before doing anything.
 */
export function identityRoutes(ctx: ServerContext): Hono<AppEnv> {
  return routeGroups(
    ctx,
    under('/bootstrap', bootstrapRoutes),
    under('/invites', inviteRoutes),
    under('/users', userRoutes),
    roleRoutes,
    under('/me', profileRoutes),
  );
}

/** First admin. Signed by the new key, which proves the caller holds it. */
function bootstrapRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  linkStatusRoute(app, ctx, 'bootstrap-status', RATE_LIMITS.bootstrap, bootstrapLinkStatus);
  app.post('/', isSigned(), async (c) => {
    await limitByAddress(ctx, c, 'bootstrap', RATE_LIMITS.bootstrap);
    const body = await readJson(c, BootstrapBody);
    const user = await redeemBootstrap(
      ctx.db,
      ctx.keys.settingsKey,
      body.token,
      body.displayName,
      actorOf(c),
      ctx.now(),
    );
    return c.json(user, 201);
  });
}

/** Invites. Preview and redeem are registered before /:id routes so their paths win. */
function inviteRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const { settingsKey } = ctx.keys;
  linkStatusRoute(app, ctx, 'invite-status', RATE_LIMITS.invite, inviteLinkStatus);
  app.post('/preview', isPublic(), async (c) => {
    await limitByAddress(ctx, c, 'invite', RATE_LIMITS.invite);
    const { token } = await readJson(c, InviteTokenBody);
    return c.json(await previewInvite(ctx.db, token, ctx.now()));
  });
  app.post('/redeem', isSigned(), async (c) => {
    await limitByAddress(ctx, c, 'invite', RATE_LIMITS.invite);
    const body = await readJson(c, RedeemInviteBody);
    const user = await redeemInvite(ctx.db, settingsKey, body.token, actorOf(c), body.displayName, ctx.now());
    return c.json(user, 201);
  });
  app.get('/', requires('invites:read'), async (c) => {
    const { status } = readQuery(c, InviteListQuery);
    return c.json({ invites: await listInvites(ctx.db, ctx.now(), status) });
  });
  app.post('/', requires('invites:write'), async (c) => {
    const body = await readJson(c, CreateInviteBody);
    const created = await createInvite(
      ctx.db,
      settingsKey,
      ctx.config.PUBLIC_URL,
      body,
      actorOf(c),
      ctx.now(),
    );
    return c.json(created, 201);
  });
  app.delete('/:id', requires('invites:write'), async (c) => {
    const { id } = readParams(c, IdParam);
    return c.json(await revokeInvite(ctx.db, id, actorOf(c), ctx.now()));
  });
}

/** Users, as admins manage them. */
function userRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const { settingsKey } = ctx.keys;
  app.get('/', requires('users:read'), async (c) => {
    const q = readQuery(c, UserListQuery);
    const active = q.active === undefined ? undefined : q.active === 'true';
    return c.json({ users: await listUsers(ctx.db, { active, role: q.role }) });
  });
  app.get('/:id', requires('users:read'), async (c) => {
    const { id } = readParams(c, IdParam);
    return c.json(await getUser(ctx.db, id));
  });
  app.get('/:id/phone', requires('users:read'), async (c) => {
    const { id } = readParams(c, IdParam);
    const phone = await revealPhone(ctx.db, settingsKey, id, actorOf(c), ctx.now());
    c.header('cache-control', 'no-store');
    return c.json({ phone });
  });
  app.patch('/:id', requires('users:write'), async (c) => {
    const { id } = readParams(c, IdParam);
    const body = await readJson(c, UpdateUserBody);
    const user = await updateUser(ctx.db, settingsKey, id, body, actorOf(c), ctx.now());
    ctx.events.emit('members:changed', { userId: id });
    return c.json(user);
  });
  app.post('/:id/deactivate', requires('users:deactivate'), async (c) => {
    const { id } = readParams(c, IdParam);
    const user = await deactivateUser(ctx.db, id, actorOf(c), ctx.now());
    await onMembershipChanged(ctx, { kind: 'removed', pubkey: user.pubkey }); // hub key rotation
    ctx.events.emit('members:changed', { userId: id });
    return c.json(user);
  });
  app.post('/:id/reactivate', requires('users:deactivate'), async (c) => {
    const { id } = readParams(c, IdParam);
    return c.json(await reactivateUser(ctx.db, id, actorOf(c), ctx.now()));
  });
}

/** Roles and the permission catalogue. */
function roleRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get('/roles', requires('roles:read'), async (c) => c.json({ roles: await listRoles(ctx.db) }));
  app.post('/roles', requires('roles:write'), async (c) => {
    const body = await readJson(c, CreateRoleBody);
    return c.json(await createRole(ctx.db, body, actorOf(c), ctx.now()), 201);
  });
  app.patch('/roles/:id', requires('roles:write'), async (c) => {
    const { id } = readParams(c, IdParam);
    const body = await readJson(c, UpdateRoleBody);
    const role = await updateRole(ctx.db, id, body, actorOf(c), ctx.now());
    ctx.events.emit('members:changed', { userId: null });
    return c.json(role);
  });
  app.delete('/roles/:id', requires('roles:write'), async (c) => {
    const { id } = readParams(c, IdParam);
    await deleteRole(ctx.db, id, actorOf(c), ctx.now());
    return c.body(null, 204);
  });
  app.get('/permissions', isMember(), (c) => c.json({ permissions: PERMISSIONS }));
}

/** The caller's own profile. */
function profileRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  // Allowed before a required passkey is enrolled: the client needs to know who it is to enrol one.
  app.get('/', isMember({ allowWithoutPasskey: true }), async (c) =>
    // Read with the credential in the same statement (auth/middleware.ts); otherwise here.
    c.json(c.get('signerProfile') ?? (await getProfile(ctx.db, c.get('auth').user!.id))),
  );
  app.patch('/', requires('profile:write'), async (c) => {
    const body = await readJson(c, UpdateProfileBody);
    const actor = actorOf(c);
    return c.json(await updateProfile(ctx.db, actor.userId!, body, actor, ctx.now(), ctx.caches.auditHead));
  });
}
