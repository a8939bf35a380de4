import { Hono } from 'hono';
import type { AppEnv, ServerContext } from '../http/context.js';

/** The transcription model asset and sealed transcripts. */
export function transcriptionRoutes(_ctx: ServerContext): Hono<AppEnv> {
  return new Hono<AppEnv>();
}
