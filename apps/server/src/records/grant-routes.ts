import { GrantStatusQuery, type Permission } from '@llamenos/protocol';
import type { Hono } from 'hono';
import type { z } from 'zod';
import type { Member } from '../domain/actor.js';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { requires } from '../http/guard.js';
import { noQuery, readJson, readQuery } from '../http/validate.js';

/** One kind's grant flow as its routes serve it (docs/PROTOCOL.md §9, "Granting a new reader"). */
export interface GrantFlow<Work extends z.ZodType, Batch extends z.ZodType> {
  /** The query of a page of work: the reader, the cursor, the page size. */
  workQuery: Work;
  work: (ctx: ServerContext, caller: Member, q: z.infer<Work>) => Promise<object>;
  /** The body of a batch of wraps made in the caller's browser. */
  batch: Batch;
  grant: (ctx: ServerContext, caller: Member, body: z.infer<Batch>) => Promise<object>;
  /** The grant's progress, for a flow whose client shows a progress bar. */
  status?: (ctx: ServerContext, caller: Member, reader: string) => Promise<object>;
}

/**
 * The grant flow's routes under `base` for holders of `permission`: `GET <base>/grant-work`,
 * `GET <base>/grant-status` (a flow with progress) and `POST <base>/grant`. They are fixed
 * paths: a module registers them before its `:id` routes.
 */
export function grantRoutes<Work extends z.ZodType, Batch extends z.ZodType>(
  app: Hono<AppEnv>,
  ctx: ServerContext,
  base: string,
  permission: Permission,
  flow: GrantFlow<Work, Batch>,
): void {
  app.get(`${base}/grant-work`, requires(permission), async (c) => {
    const q = readQuery(c, flow.workQuery);
    return c.json(await flow.work(ctx, memberOf(c), q));
  });

  const { status } = flow;
  if (status)
    app.get(`${base}/grant-status`, requires(permission), async (c) => {
      const q = readQuery(c, GrantStatusQuery);
      return c.json(await status(ctx, memberOf(c), q.reader));
    });

  app.post(`${base}/grant`, requires(permission), async (c) => {
    noQuery(c);
    const body = await readJson(c, flow.batch);
    return c.json(await flow.grant(ctx, memberOf(c), body));
  });
}
