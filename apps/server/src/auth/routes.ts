import { issueRequestKey, REQUEST_KEY_SECONDS, toHex } from '@llamenos/crypto';
import {
  LoginVerifyBody,
  PasskeyIdParams,
  PasskeyRegisterVerifyBody,
  type SessionSummary,
  UserIdParams,
} from '@llamenos/protocol';
import type { Context, Hono } from 'hono';
import { forbidden, rateLimited } from '../domain/errors.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { isMember, isPublic, requires } from '../http/guard.js';
import { routeGroups, under } from '../http/route-groups.js';
import { readJson, readParams } from '../http/validate.js';
import { hitRateLimit, RATE_LIMITS, resetRateLimit } from '../rate-limit/service.js';
import { listPasskeys } from './passkey-store.js';
import { finishLogin, finishRegistration, removePasskey, startLogin, startRegistration } from './passkeys.js';
import { listSessions, revokeAllSessions, revokeSession } from './sessions.js';

/** The guards let these through only with a user; this narrows the type. */
const memberOf = (c: Context<AppEnv>) => c.get('auth').user!;

/** Both halves of a sign-in count against the client's address; a success forgets them. */
const loginKey = (step: 'options' | 'verify', ipHash: string) => `login:${step}:${ipHash}`;

/** Passkeys, passkey sign-in and server sessions, under /api/auth. */
export function authRoutes(ctx: ServerContext): Hono<AppEnv> {
  return routeGroups(
    ctx,
    under('/auth/passkeys', passkeyRoutes),
    under('/auth/login', loginRoutes),
    under('/auth', sessionRoutes),
    under('/auth', requestKeyRoutes),
  );
}

/** The caller's passkeys: registration, listing, removal. */
function passkeyRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  // Registration stays open to members without a passkey: it is how they satisfy the policy.
  app.post('/register/options', isMember({ allowWithoutPasskey: true }), async (c) =>
    c.json(await startRegistration(ctx, memberOf(c))),
  );

  app.post('/register/verify', isMember({ allowWithoutPasskey: true }), async (c) => {
    const body = await readJson(c, PasskeyRegisterVerifyBody);
    const passkey = await finishRegistration(ctx, memberOf(c), body, c.get('auth').ipHash);
    return c.json({ passkey }, 201);
  });

  app.get('/', isMember(), async (c) => c.json({ passkeys: await listPasskeys(ctx.db, memberOf(c).id) }));

  app.delete('/:id', isMember(), async (c) => {
    const { id } = readParams(c, PasskeyIdParams);
    const member = memberOf(c);
    await removePasskey(ctx, { pubkey: member.pubkey, ipHash: c.get('auth').ipHash }, member.id, id);
    return c.json({ ok: true });
  });
}

/** Passkey sign-in, both halves counted against the client's address. */
function loginRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const limitLogin = async (c: Context<AppEnv>, step: 'options' | 'verify') => {
    const verdict = await hitRateLimit(
      ctx.db,
      loginKey(step, c.get('auth').ipHash),
      RATE_LIMITS.login,
      ctx.now(),
    );
    if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);
  };

  app.post('/options', isPublic(), async (c) => {
    await limitLogin(c, 'options');
    return c.json(await startLogin(ctx));
  });

  app.post('/verify', isPublic(), async (c) => {
    const { ipHash } = c.get('auth');
    await limitLogin(c, 'verify');
    const body = await readJson(c, LoginVerifyBody);
    const result = await finishLogin(ctx, body, ipHash);
    await resetRateLimit(ctx.db, loginKey('verify', ipHash));
    await resetRateLimit(ctx.db, loginKey('options', ipHash));
    return c.json(result);
  });
}

/** Server sessions: the caller's list, logout, and revoking all of a member's sessions. */
function sessionRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get('/sessions', isMember(), async (c) => {
    const current = c.get('auth').sessionId;
    const rows = await listSessions(ctx.db, memberOf(c).id, ctx.now());
    const sessions: SessionSummary[] = rows.map((s) => ({
      id: s.id,
      createdAt: new Date(s.created_at).toISOString(),
      expiresAt: new Date(s.expires_at).toISOString(),
      current: s.id === current,
    }));
    return c.json({ sessions });
  });

  // A NIP-98 request has no session to end: logging out is then a no-op that still succeeds.
  app.post('/logout', isMember({ allowWithoutPasskey: true }), async (c) => {
    const { sessionId } = c.get('auth');
    if (sessionId) await revokeSession(ctx.db, sessionId, ctx.now());
    return c.json({ ok: true, revoked: sessionId !== null });
  });

  app.post('/sessions/revoke-all', isMember(), async (c) => {
    const auditActor = { pubkey: memberOf(c).pubkey, ipHash: c.get('auth').ipHash };
    return c.json({ revoked: await revokeAllSessions(ctx, auditActor, memberOf(c).id, 'own') });
  });

  app.post('/users/:id/sessions/revoke', requires('users:write'), async (c) => {
    const { id } = readParams(c, UserIdParams);
    const auditActor = { pubkey: memberOf(c).pubkey, ipHash: c.get('auth').ipHash };
    return c.json({ revoked: await revokeAllSessions(ctx, auditActor, id, 'admin') });
  });
}

/**
 * Request keys (PROTOCOL.md §5.4): a member signs one request with their own key (NIP-98) and
 * signs the next ten minutes of requests with the HMAC key it returns. Only a signature obtains
 * one, so a stolen key (or session) cannot renew itself; nothing is stored, so there is nothing
 * to revoke but the member (deactivation refuses their keys at once).
 */
function requestKeyRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.post('/request-key', isMember({ allowWithoutPasskey: true }), async (c) => {
    const { method } = c.get('auth');
    if (method !== 'nip98')
      throw forbidden("a request key is issued only to a request signed with the member's own key (NIP-98)");
    const issued = issueRequestKey(
      ctx.keys.requestKeySecret,
      memberOf(c).pubkey,
      Math.floor(ctx.now().getTime() / 1000),
    );
    c.header('cache-control', 'no-store');
    return c.json({
      keyId: issued.keyId,
      key: toHex(issued.key),
      expiresAt: issued.expiresAt,
      expiresIn: REQUEST_KEY_SECONDS,
    });
  });
}
