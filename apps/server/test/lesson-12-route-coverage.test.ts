import { afterAll, describe, expect, it } from 'vitest';
import { type Guard, guardOf } from '../src/http/guard.js';
import { createTestHotline } from './helpers.js';

/**
 * Lesson 12: every route checks permission, and the route-guard matrix (route-guards.test.ts)
 * enumerates every route against every role. That matrix insists on exactly one guard only for
 * routes under /api, and calls other routes only when they carry a guard: a new route outside
 * /api without a guard would be skipped silently. This file closes that gap (every registered
 * route, wherever it lives, has exactly one guard) and pins the routes the published
 * implementation left open, so the matrix is known to reach them.
 */

const COMPOSED_HANDLER = '__COMPOSED_HANDLER';
const unwrap = (handler: unknown): unknown => {
  let h = handler;
  while (typeof h === 'function' && COMPOSED_HANDLER in h)
    h = (h as unknown as Record<string, unknown>)[COMPOSED_HANDLER];
  return h;
};

const h = await createTestHotline();
afterAll(() => h.close());

const guards = new Map<string, Guard[]>();
for (const r of h.app.routes) {
  if (r.method === 'ALL') continue; // app.use middleware
  const key = `${r.method} ${r.path}`;
  const list = guards.get(key) ?? [];
  const guard = guardOf(unwrap(r.handler));
  if (guard) list.push(guard);
  guards.set(key, list);
}
const describeGuard = (g: Guard) => (g.kind === 'permission' ? g.permission : g.kind);

describe('lesson 12: no route escapes the guard matrix', () => {
  it('gives every registered route, in /api or not, exactly one guard', () => {
    const wrong = [...guards]
      .filter(([, list]) => list.length !== 1)
      .map(([key, list]) => `${key}: ${list.length}`);
    expect(wrong).toEqual([]);
  });

  it('registers no route for every method (ALL) other than the app-wide middleware', () => {
    const all = h.app.routes.filter((r) => r.method === 'ALL').map((r) => r.path);
    expect(new Set(all)).toEqual(new Set(['/*', '/api/*']));
  });

  it.each([
    // The routes the published implementation left unguarded.
    ['GET /api/calls/active', 'calls:read'],
    ['GET /api/hub-key', 'authenticated'],
    ['GET /api/hub-key/:id', 'authenticated'],
    // Test-only and provider-facing routes: public by guard, with their own checks
    // (simulator: 404 in production and off loopback; webhooks: the provider's signature).
    ['GET /api/simulator', 'public'],
    ['GET /api/simulator/state', 'public'],
    ['POST /api/simulator/calls', 'public'],
    ['POST /api/telephony/:provider/inbound', 'public'],
    ['POST /api/telephony/:provider/recording', 'public'],
    // The web client's catch-all and the short simulator address.
    ['GET /*', 'public'],
    ['GET /simulator', 'public'],
  ])('%s is in the matrix with guard %s', (route, guard) => {
    const list = guards.get(route);
    expect(list, `${route} is not registered`).toBeDefined();
    expect(list!.map(describeGuard)).toEqual([guard]);
  });
});
