import { AuditQuery } from '@llamenos/protocol';
import { Hono } from 'hono';
import type { AppEnv, ServerContext } from '../http/context.js';
import { requires } from '../http/guard.js';
import { readQuery } from '../http/validate.js';
import { listAudit, verifyAuditLog } from './service.js';

/** Reading and verifying the audit log: admins (or any role granted audit:read / audit:verify). */
export function auditRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/audit', requires('audit:read'), async (c) => {
    const q = readQuery(c, AuditQuery);
    const entries = await listAudit(ctx.db, {
      ...(q.action ? { action: q.action } : {}),
      ...(q.actor ? { actorPubkey: q.actor } : {}),
      ...(q.since ? { since: q.since } : {}),
      ...(q.until ? { until: q.until } : {}),
      ...(q.before ? { beforeSeq: q.before } : {}),
      // One extra row tells whether another page exists without a count query.
      limit: q.limit + 1,
    });
    const page = entries.slice(0, q.limit);
    const more = entries.length > q.limit;
    return c.json({ entries: page, nextBefore: more ? (page.at(-1)?.seq ?? null) : null });
  });

  // Walks the whole chain; on a large log this is slow, which is why it has its own permission.
  app.get('/audit/verify', requires('audit:verify'), async (c) => c.json(await verifyAuditLog(ctx.db)));

  return app;
}
