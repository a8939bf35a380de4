import { Hono } from 'hono';
import type { AppEnv, ServerContext } from '../http/context.js';
import { requires } from '../http/guard.js';
import { noQuery } from '../http/validate.js';
import { backupStatus } from './schedule.js';

/** The scheduled backups' state for the admin console (the schedule itself is the `backups` settings section). */
export function backupRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/backups/status', requires('settings:read'), async (c) => {
    noQuery(c);
    return c.json(await backupStatus(ctx));
  });
  return app;
}
