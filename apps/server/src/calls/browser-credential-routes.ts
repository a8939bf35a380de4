import type { BrowserCredentialsResponseSchema } from '@llamenos/protocol';
import { Hono } from 'hono';
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { requires } from '../http/guard.js';
import { readJson } from '../http/validate.js';
import { issueBrowserCredentials } from './browser-credential.js';

/**
 * `POST /api/calls/browser-credential`: the signed-in volunteer's short-lived credentials for
 * the providers' browser SDKs. Needs calls:answer (what answering in the browser needs). POST,
 * not GET: it mints a secret, and the answer must never be cached.
 */
/**
 * The request names nothing (the signer is the volunteer): no body, or an empty object. The web
 * app asks at every sign-in with `{ifAvailable: true}`: "no provider rings browsers" is then an
 * empty 204, not a 404 the browser would log as an error on every hotline without one.
 */
const Body = z.object({ ifAvailable: z.literal(true).optional() }).strict();

export function browserCredentialRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/calls/browser-credential', requires('calls:answer'), async (c) => {
    const body =
      c.req.header('content-type') || Number(c.req.header('content-length') ?? '0')
        ? await readJson(c, Body)
        : {};
    c.header('cache-control', 'no-store');
    try {
      const answer = await issueBrowserCredentials(ctx, memberOf(c));
      return c.json(answer satisfies z.input<typeof BrowserCredentialsResponseSchema>);
    } catch (error) {
      if (body.ifAvailable && error instanceof DomainError && error.kind === 'not-found')
        return c.body(null, 204);
      throw error;
    }
  });
  return app;
}
