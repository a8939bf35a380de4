/**
 * The app shell's navigation: each member sees the screens their permissions open, grouped by
 * what they do, every link leads to a screen the route table gives them, and the current page
 * is marked for the path and the paths below it.
 */
import { BUILTIN_ROLES } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { matchRoute } from '../src/app/routes.js';
import type { Me } from '../src/app/session.js';
import { isCurrent, NAV_GROUPS, visibleGroups } from '../src/components/shell/navItems.js';
import en from '../src/i18n/locales/en.json';

const member = (role: keyof typeof BUILTIN_ROLES) =>
  ({ permissions: [...BUILTIN_ROLES[role].permissions] }) as unknown as Me;
const hrefs = (me: Me) => visibleGroups(me).flatMap((g) => g.items.map((i) => i.href));

describe('the member navigation', () => {
  it('shows an admin every screen, grouped calls, conversations, notes, reports, shifts, people, settings, audit', () => {
    const admin = member('admin');
    expect(visibleGroups(admin).map((g) => g.id)).toEqual([
      'calls',
      'conversations',
      'notes',
      'reports',
      'shifts',
      'people',
      'settings',
      'audit',
    ]);
    expect(hrefs(admin)).toEqual(NAV_GROUPS.flatMap((g) => g.items.map((i) => i.href)));
  });

  it('shows a volunteer their own screens and no admin screen', () => {
    expect(hrefs(member('volunteer'))).toEqual([
      '/',
      '/conversations',
      '/notes',
      '/reports',
      '/shifts',
      '/settings',
    ]);
  });

  it('shows a reporter only the reports and their own settings', () => {
    expect(hrefs(member('reporter'))).toEqual(['/reports', '/settings']);
  });

  it('links only to screens the route table opens with the same permission (never a "Not available" page)', () => {
    for (const item of NAV_GROUPS.flatMap((g) => g.items)) {
      if (item.href === '/') continue;
      const match = matchRoute(item.href);
      expect(match, item.href).not.toBeNull();
      expect(match?.route.permission, item.href).toBe(item.permission);
    }
  });

  it('has a title in English for every group', () => {
    for (const group of NAV_GROUPS) expect(en.nav.groups[group.id], group.id).toBeTruthy();
  });

  it('marks the page shown: its own path and the ones below it', () => {
    expect(isCurrent('/', '/')).toBe(true);
    expect(isCurrent('/', '/notes')).toBe(false);
    expect(isCurrent('/notes', '/notes/123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(isCurrent('/notes', '/notes-archive')).toBe(false);
    expect(isCurrent('/shifts', '/admin/shifts')).toBe(false);
  });
});
