/**
 * A custom role with only reports:read-all (reading every report, filing none) reaches the
 * reports screens: the list and a report open, the list is its home, and filing stays closed.
 */
import { describe, expect, it } from 'vitest';
import { matchRoute, reportsOnly } from '../src/app/routes.js';
import { can, type Me } from '../src/app/session.js';
import { visibleGroups } from '../src/components/shell/navItems.js';

const REPORT = '123e4567-e89b-12d3-a456-426614174000';

const member = (permissions: string[]): Me => ({
  id: 'u1',
  pubkey: 'a'.repeat(64),
  displayName: 'Board member',
  roles: ['custom-role'],
  permissions,
  languages: ['en'],
  onBreak: false,
  callPreference: 'browser',
  phoneLast4: null,
  transcribeMyCalls: true,
  uiLanguage: null,
});

const opens = (me: Me, path: string) => {
  const match = matchRoute(path);
  if (!match) return false;
  return !match.route.permission || can(me, match.route.permission);
};

describe('a role with only reports:read-all', () => {
  const board = member(['profile:read', 'profile:write', 'passkeys:manage', 'hub:read', 'reports:read-all']);

  it('opens the reports list and a report, but not the new-report form', () => {
    expect(opens(board, '/reports')).toBe(true);
    expect(opens(board, `/reports/${REPORT}`)).toBe(true);
    expect(opens(board, '/reports/new')).toBe(false);
  });

  it('has the reports list as its home (a reports-only member)', () => {
    expect(reportsOnly(board)).toBe(true);
  });

  it('does not widen other domains: reports:read-own alone is not read-all', () => {
    const reporter = member(['reports:read-own', 'reports:write']);
    expect(can(reporter, 'reports:read-all')).toBe(false);
    expect(can(member(['notes:read-all']), 'notes:read-own')).toBe(false);
  });

  it('shares reports with a new report admin from a page of its own, linked in the navigation', () => {
    const links = (me: Me) => visibleGroups(me).flatMap((g) => g.items.map((i) => i.href));
    const reportAdmin = member(['reports:read-all', 'users:read', 'roles:read']);
    expect(opens(reportAdmin, '/admin/report-access')).toBe(true);
    expect(opens(reportAdmin, '/admin/grant-access')).toBe(false);
    expect(links(reportAdmin)).toContain('/admin/report-access');
    // An admin has both: the reports' panel is on Grant access too, with the notes.
    const admin = member(['reports:read-all', 'notes:read-all', 'users:read', 'roles:read']);
    expect(links(admin)).toEqual(expect.arrayContaining(['/admin/grant-access', '/admin/report-access']));
    expect(opens(member(['reports:read-own', 'reports:write']), '/admin/report-access')).toBe(false);
  });
});
