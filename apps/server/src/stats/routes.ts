import { StatsCsvQuery, StatsQuery } from '@llamenos/protocol';
import { Hono } from 'hono';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { requires } from '../http/guard.js';
import { readQuery } from '../http/validate.js';
import { hotlineStats, hotlineStatsCsv, setupChecklist } from './service.js';

/**
 * The dashboards' figures and the first-run checklist. The figures need `audit:read`: the
 * per-member call counts are read from the audit log, so whoever may see them could already
 * add them up there, and a separate permission would promise a separation that is not there.
 * The checklist needs `settings:write`: it is for whoever sets the hotline up.
 */
export function statsRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/stats', requires('audit:read'), async (c) =>
    c.json(await hotlineStats(ctx, readQuery(c, StatsQuery))),
  );

  app.get('/stats/csv', requires('audit:read'), async (c) => {
    const { table, ...query } = readQuery(c, StatsCsvQuery);
    const csv = await hotlineStatsCsv(ctx, query, table);
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="llamenos-${table}-${query.from}-${query.to}.csv"`,
      'cache-control': 'no-store',
    });
  });

  app.get('/stats/setup', requires('settings:write'), async (c) =>
    c.json(await setupChecklist(ctx, memberOf(c))),
  );

  return app;
}
