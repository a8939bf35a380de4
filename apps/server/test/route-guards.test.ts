import { randomUUID } from 'node:crypto';
import { generateSecretKey } from '@llamenos/crypto';
import { BUILTIN_ROLES, hasPermission } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Guard, guardOf } from '../src/http/guard.js';
import { createTestHotline, type TestHotline, type TestUser } from './helpers.js';

/**
 * Every route the app registers, called as every kind of caller, must answer as its guard says:
 * - public: nobody is refused with 401/403;
 * - signed: anonymous gets 401, any signed caller gets through;
 * - authenticated: anonymous and unregistered keys get 401, members get through;
 * - permission P: anonymous and unregistered get 401, members without P get 403, members with P get through.
 * "Gets through" means the answer is neither 401 nor 403 (bad input, 404 and 409 are fine: the
 * request passed the guard). Routes under /api without exactly one guard fail outright.
 * The test is generic: it learns the routes from the app, so new modules are covered without edits.
 */

const CUSTOM_ROLE_PERMISSIONS = ['audit:read', 'users:read'];
/** A custom role that reads every report and files none: read-all must reach the read-own routes too. */
const READ_ALL_REPORTS_PERMISSIONS = ['reports:read-all'];

/** Dummy values for path parameters, by parameter name; anything else gets a random UUID. */
const PARAM_VALUES: Record<string, string> = {
  provider: 'twilio',
  channel: 'sms',
  section: 'general',
  lang: 'en',
  locale: 'en',
};

type Caller =
  | { name: 'anonymous'; kind: 'anonymous' }
  | { name: 'unregistered'; kind: 'unregistered' }
  | { name: string; kind: 'member'; roles: string[]; grants: readonly string[] };

interface Route {
  method: string;
  path: string;
  guards: Guard[];
}

interface Cell {
  status: number;
  expected: string;
  ok: boolean;
}

/** Hono wraps handlers of sub-apps that have their own error handler; the original is kept under this key. */
const COMPOSED_HANDLER = '__COMPOSED_HANDLER';

function unwrap(handler: unknown): unknown {
  let h = handler;
  while (typeof h === 'function' && COMPOSED_HANDLER in h)
    h = (h as unknown as Record<string, unknown>)[COMPOSED_HANDLER];
  return h;
}

/** The registered routes, one per (method, path), with the guards among their handlers. */
function enumerateRoutes(routes: readonly { method: string; path: string; handler: unknown }[]): Route[] {
  const byKey = new Map<string, Route>();
  for (const r of routes) {
    if (r.method === 'ALL') continue; // app.use middleware (headers, body limit, authentication)
    const key = `${r.method} ${r.path}`;
    let route = byKey.get(key);
    if (!route) {
      route = { method: r.method, path: r.path, guards: [] };
      byKey.set(key, route);
    }
    const guard = guardOf(unwrap(r.handler));
    if (guard) route.guards.push(guard);
  }
  return [...byKey.values()];
}

/** A concrete path for a Hono route pattern: `:name`, `:name?`, `:name{regex}` and `*` get dummy values. */
function concretePath(pattern: string): string {
  return pattern
    .split('/')
    .map((segment) => {
      if (segment === '*') return 'x';
      const param = /^:([A-Za-z0-9_]+)(?:\{(.+)\})?\??$/.exec(segment);
      if (!param) return segment;
      const [, name = '', regex] = param;
      const candidates = [PARAM_VALUES[name] ?? randomUUID(), randomUUID(), '1', 'x', 'twilio'];
      if (!regex) return candidates[0];
      const fits = new RegExp(`^(?:${regex})$`);
      return candidates.find((value) => fits.test(value)) ?? candidates[0];
    })
    .join('/');
}

const isApi = (route: Route) => route.path === '/api' || route.path.startsWith('/api/');

function describeGuard(guard: Guard): string {
  return guard.kind === 'permission' ? guard.permission : guard.kind;
}

/**
 * What `caller` must get from a route behind `guard`: 'pass' (neither 401 nor 403), 401 or 403;
 * null when the route has no single guard to judge by (a failure of its own).
 */
function expectation(guard: Guard | undefined, caller: Caller): 'pass' | 401 | 403 | null {
  if (!guard) return null;
  switch (guard.kind) {
    case 'public':
      return 'pass';
    case 'signed':
      return caller.kind === 'anonymous' ? 401 : 'pass';
    case 'authenticated':
      return caller.kind === 'member' ? 'pass' : 401;
    case 'permission':
      if (caller.kind !== 'member') return 401;
      return hasPermission(caller.grants, guard.permission) ? 'pass' : 403;
  }
}

function formatMatrix(rows: { route: Route; cells: Cell[] }[], callers: Caller[]): string {
  const header = ['route', 'guard', ...callers.map((c) => c.name)];
  const lines = rows.map(({ route, cells }) => [
    `${route.method} ${route.path}`,
    route.guards.map(describeGuard).join('+') || '(none)',
    ...cells.map((cell) => (cell.ok ? String(cell.status) : `${cell.status}≠${cell.expected}`)),
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...lines].map((line) => line[i]?.length ?? 0)));
  const format = (line: string[]) => line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  return [format(header), ...lines.map(format)].join('\n');
}

// The app is built at collection time so that every route gets a test of its own (and its own timeout).
const h: TestHotline = await createTestHotline();
const routes = enumerateRoutes(h.app.routes);
// Unguarded /api routes are called too, so the matrix shows who can reach them.
const checked = routes.filter((r) => isApi(r) || r.guards.length > 0);
const customRoleId = randomUUID();
const readAllReportsRoleId = randomUUID();
const callers: Caller[] = [
  { name: 'anonymous', kind: 'anonymous' },
  { name: 'unregistered', kind: 'unregistered' },
  ...(['reporter', 'volunteer'] as const).map(
    (role): Caller => ({
      name: role,
      kind: 'member',
      roles: [role],
      grants: BUILTIN_ROLES[role].permissions,
    }),
  ),
  { name: 'custom', kind: 'member', roles: [customRoleId], grants: CUSTOM_ROLE_PERMISSIONS },
  {
    name: 'reports-read-all',
    kind: 'member',
    roles: [readAllReportsRoleId],
    grants: READ_ALL_REPORTS_PERMISSIONS,
  },
  // Admin last: its requests are the likeliest to change server-wide state.
  { name: 'admin', kind: 'member', roles: ['admin'], grants: BUILTIN_ROLES.admin.permissions },
];

describe('route guards', () => {
  const rows: { route: Route; cells: Cell[] }[] = [];
  let clock = Date.now();

  beforeAll(async () => {
    const at = h.ctx.now();
    await h.ctx.db.query(
      `insert into custom_roles (id, name, description, permissions, created_at, updated_at)
       values ($1, $2, $3, $4::jsonb, $5, $5)`,
      [
        customRoleId,
        `Auditor ${customRoleId.slice(0, 8)}`,
        'route guard test',
        JSON.stringify(CUSTOM_ROLE_PERMISSIONS),
        at,
      ],
    );
    await h.ctx.db.query(
      `insert into custom_roles (id, name, description, permissions, created_at, updated_at)
       values ($1, $2, $3, $4::jsonb, $5, $5)`,
      [
        readAllReportsRoleId,
        `Report board ${readAllReportsRoleId.slice(0, 8)}`,
        'route guard test',
        JSON.stringify(READ_ALL_REPORTS_PERMISSIONS),
        at,
      ],
    );
    clock = at.getTime();
  });
  afterAll(() => h.close());

  it('gives every route under /api exactly one guard', () => {
    const wrong = routes
      .filter((r) => isApi(r) && r.guards.length !== 1)
      .map(
        (r) =>
          `${r.method} ${r.path}: ${r.guards.length ? r.guards.map(describeGuard).join(' + ') : 'no guard'}`,
      );
    expect(wrong, `routes without exactly one guard:\n${wrong.join('\n')}`).toEqual([]);
  });

  for (const route of checked) {
    const guard = route.guards.length === 1 ? route.guards[0] : undefined;
    it(`${route.method} ${route.path} (${guard ? describeGuard(guard) : 'no single guard'})`, async () => {
      const cells: Cell[] = [];
      for (const caller of callers) {
        // A fresh identity per request, so one request's side effects (a deactivation, a role
        // change) cannot leak into the next; the clock moves a day per request so no rate-limit
        // window carries over.
        clock += 24 * 3600 * 1000;
        h.setNow(new Date(clock));
        let as: TestUser | Uint8Array | undefined;
        if (caller.kind === 'unregistered') as = generateSecretKey();
        if (caller.kind === 'member') as = await h.addUser(caller.roles, `Guard test ${caller.name}`);
        const res = await h.request(route.method, concretePath(route.path), {
          ...(as ? { as } : {}),
          ...(route.method === 'GET' || route.method === 'HEAD' ? {} : { body: {} }),
        });
        await res.arrayBuffer();
        const expected = expectation(guard, caller);
        const ok = expected === 'pass' ? res.status !== 401 && res.status !== 403 : res.status === expected;
        const shown = expected === 'pass' ? '¬401/403' : expected === null ? 'one guard' : String(expected);
        cells.push({ status: res.status, expected: shown, ok });
      }
      const row = { route, cells };
      rows.push(row);
      expect(
        cells.every((cell) => cell.ok),
        `answers against the guard (cells: status, or status≠expected):\n${formatMatrix([row], callers)}`,
      ).toBe(true);
    });
  }

  // Runs last: the whole matrix in one place, and a check that the routes were really exercised.
  it('answers every caller as the guard says, on every route', () => {
    const failing = rows.filter((row) => row.cells.some((cell) => !cell.ok));
    expect(
      failing.map((row) => `${row.route.method} ${row.route.path}`),
      `routes answering against their guard (cells: status, or status≠expected):\n${formatMatrix(rows, callers)}`,
    ).toEqual([]);
    expect(rows.length, 'routes checked').toBeGreaterThanOrEqual(Math.max(3, checked.length));
  });
});
