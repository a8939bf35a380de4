import {
  CreateRingGroupBody,
  CreateShiftBody,
  CreateShiftExceptionBody,
  IdParam,
  MineQuery,
  SetAssignmentsBody,
  ShiftExceptionListQuery,
  UpdateRingGroupBody,
  UpdateShiftBody,
  WeekQuery,
} from '@llamenos/protocol';
import { type Context, Hono } from 'hono';
import type { z } from 'zod';
import type { AuditActor } from '../domain/actor.js';
import { invalid, unauthenticated } from '../domain/errors.js';
import { auditActorOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { endpoint } from '../http/endpoint.js';
import { isMember, requires } from '../http/guard.js';
import { noQuery, readQuery } from '../http/validate.js';
import {
  createException,
  createRingGroup,
  createShift,
  deleteException,
  deleteRingGroup,
  deleteShift,
  setAssignments,
  updateRingGroup,
  updateShift,
} from './service.js';
import { listExceptions, listRingGroups } from './store.js';
import { getMine, getOnShiftNow, getSchedule, getWeek } from './views.js';

/** Exceptions are listed for at most a year at a time. */
const MAX_EXCEPTION_RANGE_DAYS = 366;

const userIdOf = (c: Context<AppEnv>): string => {
  const user = c.get('auth').user;
  if (!user) throw unauthenticated();
  return user.id;
};

/** How one kind of schedule record is listed, created, changed and deleted (service.ts audits each write). */
interface ScheduleRecords<C extends z.ZodType, U extends z.ZodType> {
  /** GET /: reads its own query; the answer is sent as JSON. */
  list: (c: Context<AppEnv>) => Promise<unknown>;
  create: [body: C, run: (ctx: ServerContext, actor: AuditActor, body: z.infer<C>) => Promise<unknown>];
  update?: [
    body: U,
    run: (ctx: ServerContext, actor: AuditActor, id: string, body: z.infer<U>) => Promise<unknown>,
  ];
  remove: (ctx: ServerContext, actor: AuditActor, id: string) => Promise<void>;
}

/**
 * The routes shifts, ring groups and exceptions share: GET / for shifts:read, then POST /
 * (201 with the record), PATCH /:id and DELETE /:id (204) for shifts:write, the writes with no query.
 */
function scheduleRoutes<C extends z.ZodType, U extends z.ZodType>(
  ctx: ServerContext,
  records: ScheduleRecords<C, U>,
  app = new Hono<AppEnv>(),
): Hono<AppEnv> {
  app.get('/', requires('shifts:read'), async (c) => c.json(await records.list(c)));
  const [CreateBody, create] = records.create;
  app.post(
    '/',
    requires('shifts:write'),
    endpoint({ query: 'none', body: CreateBody, status: 201 }, ({ c, body }) =>
      create(ctx, auditActorOf(c), body),
    ),
  );
  const one = { query: 'none', params: IdParam } as const;
  if (records.update) {
    const [UpdateBody, update] = records.update;
    app.patch(
      '/:id',
      requires('shifts:write'),
      endpoint({ ...one, body: UpdateBody }, ({ c, params, body }) =>
        update(ctx, auditActorOf(c), params.id, body),
      ),
    );
  }
  app.delete(
    '/:id',
    requires('shifts:write'),
    endpoint({ ...one, status: 204 }, ({ c, params }) => records.remove(ctx, auditActorOf(c), params.id)),
  );
  return app;
}

/** The ShiftManager's HTTP surface; rules live in on-shift.ts, writes in service.ts. */
export function shiftsRoutes(ctx: ServerContext): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .route('/shifts', shiftRoutes(ctx))
    .route('/ring-groups', ringGroupRoutes(ctx))
    .route('/shift-exceptions', exceptionRoutes(ctx));
}

/** Weekly shifts: the schedule, who is on now, the caller's own shifts, and their edits. */
function shiftRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Fixed paths first: "now", "mine" and "week" must never be read as a shift id.
  app.get('/now', requires('shifts:read'), async (c) => {
    noQuery(c);
    return c.json(await getOnShiftNow(ctx, userIdOf(c)));
  });

  app.get('/mine', isMember(), async (c) => {
    const { days } = readQuery(c, MineQuery);
    return c.json(await getMine(ctx, userIdOf(c), days));
  });

  app.get('/week', requires('shifts:read'), async (c) => {
    const { start } = readQuery(c, WeekQuery);
    return c.json(await getWeek(ctx, start));
  });

  app.put(
    '/:id/assignments',
    requires('shifts:write'),
    endpoint({ query: 'none', params: IdParam, body: SetAssignmentsBody }, ({ c, params, body }) =>
      setAssignments(ctx, auditActorOf(c), params.id, body.userIds),
    ),
  );
  return scheduleRoutes(
    ctx,
    {
      list: async (c) => {
        noQuery(c);
        return getSchedule(ctx);
      },
      create: [CreateShiftBody, createShift],
      update: [UpdateShiftBody, updateShift],
      remove: deleteShift,
    },
    app,
  );
}

/** Ring groups: named sets of members a shift can ring together. */
function ringGroupRoutes(ctx: ServerContext): Hono<AppEnv> {
  return scheduleRoutes(ctx, {
    list: async (c) => {
      noQuery(c);
      return { ringGroups: await listRingGroups(ctx.db) };
    },
    create: [CreateRingGroupBody, createRingGroup],
    update: [UpdateRingGroupBody, updateRingGroup],
    remove: deleteRingGroup,
  });
}

/** Shift exceptions (one-off changes to the schedule), listed by a bounded date range. */
function exceptionRoutes(ctx: ServerContext): Hono<AppEnv> {
  return scheduleRoutes(ctx, {
    list: async (c) => {
      const { from, to } = readQuery(c, ShiftExceptionListQuery);
      const span = (Date.parse(to) - Date.parse(from)) / 86_400_000;
      if (span < 0 || span > MAX_EXCEPTION_RANGE_DAYS)
        throw invalid(
          `"from" must not be after "to", and the range at most ${MAX_EXCEPTION_RANGE_DAYS} days`,
        );
      return { exceptions: await listExceptions(ctx.db, from, to) };
    },
    create: [CreateShiftExceptionBody, createException],
    remove: deleteException,
  });
}
