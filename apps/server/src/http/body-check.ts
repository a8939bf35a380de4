import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { badRequest } from './errors.js';
import { BodyError, decodeUtf8, isJsonType, isTextType, parseJsonText } from './json-body.js';

/**
 * Every text body under /api passes json-body.ts's rules before any route sees it, whether the
 * route reads it or not (a route that ignores its body must not be the one that accepts a
 * hostile one). A parsed JSON body is kept for readJson, so it is parsed once.
 */
export function checkBodies(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header('content-type') ?? '';
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || !isTextType(type)) return next();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length > 0) {
      try {
        const text = decodeUtf8(bytes);
        if (isJsonType(type)) c.set('jsonBody', { value: parseJsonText(text) });
      } catch (error) {
        if (error instanceof BodyError) throw badRequest(error.message);
        throw error;
      }
    }
    await next();
  };
}
