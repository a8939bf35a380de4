import { Hono } from 'hono';
import type { AppEnv, ServerContext } from '../http/context.js';

/** Chunked attachment uploads and downloads (docs/PROTOCOL.md §10.2). */
export function attachmentsRoutes(_ctx: ServerContext): Hono<AppEnv> {
  return new Hono<AppEnv>();
}
