/**
 * The route table keeps the URLs and guards the screen switch had: each path, the permission
 * it needs, its parameters, and everything else falling through to the dashboard.
 */
import { describe, expect, it } from 'vitest';
import { JOINING_ROUTES, MEMBER_ROUTES, matchRoute } from '../src/app/routes.js';

const NOTE = '123e4567-e89b-12d3-a456-426614174000';

describe('the route table', () => {
  it.each([
    ['/admin/volunteers', 'users:read', {}],
    ['/admin/volunteers/u_1-A', 'users:read', { id: 'u_1-A' }],
    ['/admin/invites', 'invites:read', {}],
    ['/admin/roles', 'roles:read', {}],
    ['/admin/settings', 'settings:read', {}],
    ['/admin/audit', 'audit:read', {}],
    ['/admin/shifts', 'shifts:write', {}],
    ['/shifts', undefined, {}],
    ['/notes', 'notes:read-own', {}],
    ['/notes/new', 'notes:write', {}],
    [`/notes/${NOTE}`, 'notes:read-own', { id: NOTE }],
    ['/admin/calls', 'calls:read-all', {}],
    ['/admin/bans', 'bans:read', {}],
    ['/admin/grant-access', 'notes:read-all', {}],
    ['/admin/open-export', 'notes:export', {}],
    ['/settings', undefined, {}],
  ])('%s needs %s', (path, permission, params) => {
    const match = matchRoute(path);
    expect(match?.route.permission).toBe(permission);
    expect(match?.params).toEqual(params);
  });

  it.each([
    '/',
    '/dashboard',
    '/admin',
    '/admin/volunteers/',
    '/admin/volunteers/a.b',
    '/admin/volunteers/a/b',
    '/notes/NOT-A-UUID',
    `/notes/${NOTE.toUpperCase()}`,
    '/settings/',
    '/Settings',
  ])('%s is the dashboard', (path) => {
    expect(matchRoute(path)).toBeNull();
  });

  it('has one row a path, and the joining screens apart', () => {
    const paths = MEMBER_ROUTES.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(Object.keys(JOINING_ROUTES).sort()).toEqual(['/bootstrap', '/invite', '/restore']);
    for (const path of Object.keys(JOINING_ROUTES)) expect(matchRoute(path)).toBeNull();
  });
});
