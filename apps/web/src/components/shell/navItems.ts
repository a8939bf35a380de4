import { reportsOnly } from '../../app/routes.js';
import { can, type Me } from '../../app/session.js';
import type { NavIconName } from './NavIcon.js';

/** One screen in the member navigation; `permission` hides it from those who lack it (the server checks again). */
export interface NavItem {
  href: string;
  /** i18n key of the link's text (the journeys find links by these names). */
  label: string;
  icon: NavIconName;
  permission?: string;
  /** Hidden from a reports-only member, whose home is the reports list. */
  notReportsOnly?: true;
}

/** Screens grouped by what people do on the line, in the order they do it most. */
export interface NavGroup {
  id: 'calls' | 'conversations' | 'notes' | 'reports' | 'shifts' | 'people' | 'settings' | 'audit';
  items: NavItem[];
}

export const NAV_GROUPS: readonly NavGroup[] = [
  {
    id: 'calls',
    items: [
      { href: '/', label: 'nav.dashboard', icon: 'home', notReportsOnly: true },
      { href: '/admin/calls', label: 'calls.nav.calls', icon: 'phone', permission: 'calls:read-all' },
      { href: '/admin/dashboards', label: 'nav.dashboards', icon: 'chart', permission: 'audit:read' },
      { href: '/admin/bans', label: 'calls.nav.bans', icon: 'ban', permission: 'bans:read' },
    ],
  },
  {
    id: 'conversations',
    items: [
      {
        href: '/conversations',
        label: 'conversations.nav',
        icon: 'chat',
        permission: 'conversations:read-assigned',
      },
    ],
  },
  {
    id: 'notes',
    items: [
      { href: '/notes', label: 'notes.nav.notes', icon: 'note', permission: 'notes:read-own' },
      {
        href: '/admin/grant-access',
        label: 'notes.nav.grantAccess',
        icon: 'key',
        permission: 'notes:read-all',
      },
    ],
  },
  {
    id: 'reports',
    items: [
      { href: '/reports', label: 'reports.nav', icon: 'report', permission: 'reports:read-own' },
      // Sharing reports with a new report admin; notes admins also find it on Grant access.
      {
        href: '/admin/report-access',
        label: 'reports.grant.nav',
        icon: 'key',
        permission: 'reports:read-all',
      },
    ],
  },
  {
    id: 'shifts',
    items: [
      { href: '/shifts', label: 'nav.myShifts', icon: 'calendar', notReportsOnly: true },
      { href: '/admin/shifts', label: 'nav.shifts', icon: 'calendar', permission: 'shifts:write' },
    ],
  },
  {
    id: 'people',
    items: [
      { href: '/admin/volunteers', label: 'nav.volunteers', icon: 'people', permission: 'users:read' },
      { href: '/admin/invites', label: 'nav.invites', icon: 'invite', permission: 'invites:read' },
      { href: '/admin/roles', label: 'nav.roles', icon: 'shield', permission: 'roles:read' },
    ],
  },
  {
    id: 'settings',
    items: [
      { href: '/settings', label: 'nav.mySettings', icon: 'person' },
      { href: '/admin/settings', label: 'nav.hotlineSettings', icon: 'gear', permission: 'settings:read' },
    ],
  },
  {
    id: 'audit',
    items: [{ href: '/admin/audit', label: 'nav.audit', icon: 'list', permission: 'audit:read' }],
  },
];

/** The groups with only the screens this member may open; empty groups dropped. */
export function visibleGroups(me: Me): NavGroup[] {
  const onlyReports = reportsOnly(me);
  return NAV_GROUPS.map((group) => ({
    ...group,
    items: group.items.filter(
      (item) => (!item.permission || can(me, item.permission)) && !(item.notReportsOnly && onlyReports),
    ),
  })).filter((group) => group.items.length > 0);
}

/** Whether the link is the page shown: its own path or one below it (`/notes/…` marks Notes). */
export function isCurrent(href: string, path: string): boolean {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}
