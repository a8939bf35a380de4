import { hasPermission, type Permission } from '@llamenos/protocol';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { forbidden, unauthenticated } from './errors.js';

/**
 * Who may call a route. Every route declares exactly one guard next to its handler; the
 * route-enumeration test fails for any registered route without one.
 * - public: anyone (health, config, webhooks that carry their own signature check)
 * - signed: any valid request signature, even from a key not yet registered (bootstrap, invite redemption)
 * - authenticated: a registered, active user
 * - permission: a registered, active user whose roles grant the permission
 * When the hotline requires passkeys, a member without one passes only member guards declared
 * `allowWithoutPasskey` (their profile, passkey registration, logout), so they can enrol.
 */
export type Guard =
  | { kind: 'public' }
  | { kind: 'signed' }
  | { kind: 'authenticated'; allowWithoutPasskey?: true }
  | { kind: 'permission'; permission: Permission };

const GUARD = Symbol.for('llamenos.guard');

export const PASSKEY_REQUIRED = 'this hotline requires a passkey: register one first';

type GuardMiddleware = MiddlewareHandler<AppEnv> & { [GUARD]: Guard };

function makeGuard(guard: Guard): GuardMiddleware {
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const auth = c.get('auth');
    if (guard.kind === 'signed' && !auth.pubkey) throw unauthenticated('this request must be signed');
    if (guard.kind === 'authenticated' || guard.kind === 'permission') {
      if (!auth.user)
        throw unauthenticated(auth.pubkey ? 'this key is not an active member of the hotline' : undefined);
      if (auth.needsPasskey && !(guard.kind === 'authenticated' && guard.allowWithoutPasskey))
        throw forbidden(PASSKEY_REQUIRED);
      if (guard.kind === 'permission' && !hasPermission(auth.user.permissions, guard.permission))
        throw forbidden();
    }
    await next();
  };
  return Object.assign(middleware, { [GUARD]: guard });
}

export const isPublic = () => makeGuard({ kind: 'public' });
export const isSigned = () => makeGuard({ kind: 'signed' });
export const isMember = (options: { allowWithoutPasskey?: true } = {}) =>
  makeGuard(
    options.allowWithoutPasskey
      ? { kind: 'authenticated', allowWithoutPasskey: true }
      : { kind: 'authenticated' },
  );
export const requires = (permission: Permission) => makeGuard({ kind: 'permission', permission });

/** The guard attached to a handler, if it is one. */
export const guardOf = (handler: unknown): Guard | undefined =>
  typeof handler === 'function' ? (handler as Partial<GuardMiddleware>)[GUARD] : undefined;
