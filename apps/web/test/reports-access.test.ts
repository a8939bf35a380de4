/**
 * A custom role with only reports:read-all (reading every report, filing none) reaches the
 * reports screens: the list and a report open, the list is its home, and filing stays closed.
 */
import { describe, expect, it } from 'vitest';
import { matchRoute, reportsOnly } from '../src/app/routes.js';
import { can, type Me } from '../src/app/session.js';

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
});
