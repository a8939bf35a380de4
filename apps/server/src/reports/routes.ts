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
import { requires } from '../http/guard.js';
import { jsonLinesResponse } from '../http/json-lines.js';
import { routeGroups } from '../http/route-groups.js';
import { noQuery, readJson, readParams, readQuery, UUID_PATH } from '../http/validate.js';
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
  app.get('/reports/readers', requires('reports:write'), async (c) => {
    noQuery(c);
    return c.json({ readers: await reportReaders(ctx.db, memberOf(c).pubkey) });
  });

  // Fixed paths first: they must never be taken for a report id.
  app.get('/reports/counts', requires('reports:read-all'), async (c) => {
    noQuery(c);
    return c.json(await countReports(ctx));
  });

  grantRoutes(app, ctx, '/reports', 'reports:read-all', {
    workQuery: ReportGrantWorkQuery,
    work: reportGrantWork,
    batch: ReportGrantBody,
    grant: reportGrantAccess,
    status: reportGrantStatus,
  });

  app.get('/reports/export', requires('reports:read-all'), async (c) => {
    noQuery(c);
    const stream = await exportReports(ctx, memberOf(c));
    return jsonLinesResponse(c, stream);
  });
}

/** The list, a new report, and one report: its readers, replies, workflow and deletion. */
function reportRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get('/reports', requires('reports:read-own'), async (c) => {
    const q = readQuery(c, ReportListQuery);
    return c.json(await listReports(ctx, memberOf(c), q));
  });

  app.post('/reports', requires('reports:write'), async (c) => {
    noQuery(c);
    const body = await readJson(c, CreateReportBody);
    return createdOrStored(c, 'report', await createReport(ctx, memberOf(c), body));
  });

  app.get(`/reports/${ID}/readers`, requires('reports:read-own'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, ReportIdParam);
    return c.json({ readers: await readersOfReport(ctx, memberOf(c), id) });
  });

  app.post(`/reports/${ID}/replies`, requires('reports:read-own'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, ReportIdParam);
    const body = await readJson(c, CreateReplyBody);
    return createdOrStored(c, 'reply', await replyToReport(ctx, memberOf(c), id, body));
  });

  app.get(`/reports/${ID}`, requires('reports:read-own'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, ReportIdParam);
    return c.json(await getReport(ctx, memberOf(c), id));
  });

  app.patch(`/reports/${ID}`, requires('reports:read-all'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, ReportIdParam);
    const body = await readJson(c, UpdateReportBody);
    return c.json({ report: await updateReport(ctx, memberOf(c), id, body) });
  });

  app.delete(`/reports/${ID}`, requires('reports:read-all'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, ReportIdParam);
    await deleteReport(ctx, memberOf(c), id);
    return c.body(null, 204);
  });
}
