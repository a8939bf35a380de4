import { randomUUID } from 'node:crypto';
import { UPLOAD_CHUNK_BODY_LIMIT_BYTES } from '@llamenos/protocol';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import { secureHeaders } from 'hono/secure-headers';
import { authenticate } from '../auth/middleware.js';
import type { Metrics } from '../metrics/registry.js';
import { MODULES } from '../modules.js';
import { mountWebClient, webRoot } from '../web/static.js';
import { checkBodies } from './body-check.js';
import type { AppEnv, ServerContext } from './context.js';
import { ApiError, httpErrorOf } from './errors.js';
import { isPublic } from './guard.js';

/** Builds the HTTP application: headers, limits, auth, every module's routes, one error shape. */
export function createApp(ctx: ServerContext, metrics?: Metrics): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  useSecurityHeaders(app, ctx);
  useRequestObservation(app, ctx, metrics);
  useApiGate(app, ctx);
  mountModules(app, ctx);
  handleErrors(app, ctx);
  return app;
}

/** A strict content security policy and the usual hardening headers on every answer. */
function useSecurityHeaders(app: Hono<AppEnv>, ctx: ServerContext): void {
  const https = ctx.config.PUBLIC_URL.startsWith('https://');
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        // WebAssembly may be compiled (whisper.cpp in the transcription worker); JavaScript eval stays forbidden.
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'", ctx.config.PUBLIC_URL.replace(/^http/, 'ws')],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      strictTransportSecurity: https ? 'max-age=63072000; includeSubDomains' : false,
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
      xContentTypeOptions: 'nosniff',
      // With the web client's COEP (web/static.ts); CROSS_ORIGIN_ISOLATION=off drops both.
      crossOriginOpenerPolicy: ctx.config.CROSS_ORIGIN_ISOLATION === 'on' ? 'same-origin' : false,
    }),
  );
}

/** A request id for the logs, the duration metric by route, and a log line for every 5xx. */
function useRequestObservation(app: Hono<AppEnv>, ctx: ServerContext, metrics?: Metrics): void {
  app.use('*', async (c, next) => {
    c.set('requestId', randomUUID());
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    metrics?.requests.observe(
      { method: c.req.method, route: routePath(c, -1), status: String(c.res.status) },
      seconds,
    );
    if (c.res.status >= 500)
      ctx.log.error(
        { requestId: c.get('requestId'), route: routePath(c, -1), status: c.res.status },
        'request failed',
      );
  });
}

/** The one route whose body is a sealed attachment chunk (docs/PROTOCOL.md §10.2). */
const UPLOAD_CHUNK_PATH = /^\/api\/attachments\/[0-9a-f-]{36}\/chunks\/\d{1,10}$/;
export const isUploadChunkPath = (path: string): boolean => UPLOAD_CHUNK_PATH.test(path);

/**
 * A body's length as its Content-Length declares it, when that is the whole story: present, digits
 * only, and no Transfer-Encoding beside it. Node's parser then delivers exactly that many bytes,
 * so the declared length is the body's, as hono's bodyLimit also takes it. Otherwise null: the
 * body is counted as it streams. Deciding on the header alone spares every POST (a provider's
 * webhook above all: several per call leg) the fetch Request and web stream that asking
 * bodyLimit builds, and lets the body be read straight from the socket (issue 12 §2).
 */
export function declaredLength(contentLength: string | undefined, transferEncoding: string | undefined) {
  if (transferEncoding !== undefined || contentLength === undefined || !/^\d{1,15}$/.test(contentLength))
    return null;
  return Number(contentLength);
}

/** Everything under /api: a body size cap, then who is calling, then the body shape checks. */
function useApiGate(app: Hono<AppEnv>, ctx: ServerContext): void {
  const limitOf = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `request body above ${maxSize} bytes`);
      },
    });
  const general = ctx.config.BODY_LIMIT_BYTES;
  // One sealed attachment chunk (up to 4 MiB) is the only larger body; nothing else gets its limit.
  const chunk = Math.max(ctx.config.BODY_LIMIT_BYTES, UPLOAD_CHUNK_BODY_LIMIT_BYTES);
  const streamed = { [general]: limitOf(general), [chunk]: limitOf(chunk) };
  app.use('/api/*', (c, next) => {
    // A GET or HEAD request has no body here (@hono/node-server gives it none), and asking the
    // limit to look would build the whole fetch Request for nothing, on the busiest routes.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const maxSize = c.req.method === 'PUT' && isUploadChunkPath(c.req.path) ? chunk : general;
    const declared = declaredLength(c.req.header('content-length'), c.req.header('transfer-encoding'));
    if (declared === null) return streamed[maxSize]!(c, next);
    if (declared > maxSize)
      throw new ApiError(413, 'payload_too_large', `request body above ${maxSize} bytes`);
    return next();
  });
  app.use('/api/*', authenticate(ctx));
  app.use('/api/*', checkBodies());
}

/** Every module's routes under /api, the simulator's short address and the web client. */
function mountModules(app: Hono<AppEnv>, ctx: ServerContext): void {
  for (const module of MODULES) if (module.routes) app.route('/api', module.routes(ctx));
  // The simulated carrier's page lives under /api (its routes refuse production and non-loopback
  // clients); /simulator is the short address people type.
  app.get('/simulator', isPublic(), (c) => c.redirect('/api/simulator'));
  mountWebClient(app, webRoot(ctx.config), {
    crossOriginIsolation: ctx.config.CROSS_ORIGIN_ISOLATION === 'on',
  });
}

/** One error shape for every refusal; anything unexpected is logged and answered as 500. */
function handleErrors(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.notFound((c) =>
    c.json(
      { error: { code: 'not_found', message: `no route ${c.req.method} ${new URL(c.req.url).pathname}` } },
      404,
    ),
  );
  app.onError((thrown, c) => {
    const error = httpErrorOf(thrown);
    if (error instanceof ApiError) {
      const body = {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
      };
      if (error.status === 429) {
        const retry = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
        if (retry) c.header('retry-after', String(retry));
      }
      return c.json(body, error.status);
    }
    if (error instanceof HTTPException) {
      return c.json(
        { error: { code: 'bad_request', message: error.message || 'bad request' } },
        error.status,
      );
    }
    ctx.log.error(
      {
        requestId: c.get('requestId'),
        err: { name: error.name, message: error.message, stack: error.stack },
      },
      'unhandled error',
    );
    return c.json({ error: { code: 'internal', message: 'internal error; it has been logged' } }, 500);
  });
}
