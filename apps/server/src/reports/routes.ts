import {
  CreateReplyBody,
  CreateReportBody,
  ReportGrantBody,
  ReportGrantWorkQuery,
  ReportIdParam,
  ReportListQuery,
  UpdateReportBody,
} from '@llamenos/protocol';
import type { Hono } from 'hono';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { createdOrStored } from '../http/created.js';
import { endpoint } from '../http/endpoint.js';
import { requires } from '../http/guard.js';
import { jsonLinesResponse } from '../http/json-lines.js';
import { routeGroups } from '../http/route-groups.js';
import { UUID_PATH } from '../http/validate.js';
import { grantRoutes } from '../records/grant-routes.js';
import { reportReaders } from './access.js';
import { exportReports } from './export.js';
import { reportGrantAccess, reportGrantStatus, reportGrantWork } from './grant.js';
import {
  countReports,
  createReport,
  deleteReport,
  getReport,
  listReports,
  readersOfReport,
  replyToReport,
  updateReport,
} from './service.js';

/**
 * Reports, their reply threads, the admins' workflow and grants (docs/PROTOCOL.md §9.4). The
 * server stores sealed envelopes it cannot open; the rules live in service.ts.
 *
 * Reading needs reports:read-own (one's own reports); reports:read-all widens it to every
 * report and is what makes a member a report admin. A report the caller may not see is a 404,
 * exactly like a missing one, so reporters cannot probe for each other's report ids.
 */

/** Only UUID-shaped segments reach the :id routes, so fixed paths like /reports/export never do. */
const ID = `:id{${UUID_PATH}}`;

export function reportsRoutes(ctx: ServerContext): Hono<AppEnv> {
  // The fixed paths before the :id routes.
  return routeGroups(ctx, fixedPathRoutes, reportRoutes);
}

/** The paths without a report id: readers, counts, grants and the export. */
function fixedPathRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  // Who a new report must be sealed for: the caller and every current report admin.
  app.get(
    '/reports/readers',
    requires('reports:write'),
    endpoint({ query: 'none' }, async ({ c }) => ({
      readers: await reportReaders(ctx.db, memberOf(c).pubkey),
    })),
  );

  // Fixed paths first: they must never be taken for a report id.
  app.get(
    '/reports/counts',
    requires('reports:read-all'),
    endpoint({ query: 'none' }, () => countReports(ctx)),
  );

  grantRoutes(app, ctx, '/reports', 'reports:read-all', {
    workQuery: ReportGrantWorkQuery,
    work: reportGrantWork,
    batch: ReportGrantBody,
    grant: reportGrantAccess,
    status: reportGrantStatus,
  });

  app.get(
    '/reports/export',
    requires('reports:read-all'),
    endpoint({ query: 'none' }, async ({ c }) => jsonLinesResponse(c, await exportReports(ctx, memberOf(c)))),
  );
}

/** The list, a new report, and one report: its readers, replies, workflow and deletion. */
function reportRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get(
    '/reports',
    requires('reports:read-own'),
    endpoint({ query: ReportListQuery }, ({ c, query }) => listReports(ctx, memberOf(c), query)),
  );

  app.post(
    '/reports',
    requires('reports:write'),
    endpoint({ query: 'none', body: CreateReportBody }, async ({ c, body }) =>
      createdOrStored(c, 'report', await createReport(ctx, memberOf(c), body)),
    ),
  );

  const one = { query: 'none', params: ReportIdParam } as const;
  app.get(
    `/reports/${ID}/readers`,
    requires('reports:read-own'),
    endpoint(one, async ({ c, params }) => ({ readers: await readersOfReport(ctx, memberOf(c), params.id) })),
  );

  app.post(
    `/reports/${ID}/replies`,
    requires('reports:read-own'),
    endpoint({ ...one, body: CreateReplyBody }, async ({ c, params, body }) =>
      createdOrStored(c, 'reply', await replyToReport(ctx, memberOf(c), params.id, body)),
    ),
  );

  app.get(
    `/reports/${ID}`,
    requires('reports:read-own'),
    endpoint(one, ({ c, params }) => getReport(ctx, memberOf(c), params.id)),
  );

  app.patch(
    `/reports/${ID}`,
    requires('reports:read-all'),
    endpoint({ ...one, body: UpdateReportBody }, async ({ c, params, body }) => ({
      report: await updateReport(ctx, memberOf(c), params.id, body),
    })),
  );

  app.delete(
    `/reports/${ID}`,
    requires('reports:read-all'),
    endpoint({ ...one, status: 204 }, ({ c, params }) => deleteReport(ctx, memberOf(c), params.id)),
  );
}
