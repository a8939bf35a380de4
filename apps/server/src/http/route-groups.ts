import { Hono } from 'hono';
import type { AppEnv, ServerContext } from './context.js';

/** Registers one group of a module's routes (the lists, the actions, …) on the module's app. */
export type RouteGroup = (app: Hono<AppEnv>, ctx: ServerContext) => void;

/**
 * A module's routes built from its groups, registered in the order given (a fixed path must come
 * before a parameter route that would shadow it).
 */
export function routeGroups(ctx: ServerContext, ...groups: RouteGroup[]): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const group of groups) group(app, ctx);
  return app;
}

/**
 * `group` with its paths written under `prefix` (one of a module's resources: /users, /auth/login),
 * mounted in its place among the module's groups.
 */
export const under =
  (prefix: string, group: RouteGroup): RouteGroup =>
  (app, ctx) => {
    app.route(prefix, routeGroups(ctx, group));
  };
