import { Hono } from 'hono';
import type { AppEnv, ServerContext } from '../http/context.js';

/** Reports, replies, workflow and grants (docs/PROTOCOL.md §9.4). */
export function reportsRoutes(_ctx: ServerContext): Hono<AppEnv> {
  return new Hono<AppEnv>();
}
