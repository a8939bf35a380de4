import { useTranslation } from 'react-i18next';
import { reportsOnly } from '../app/routes.js';
import { can, type Me } from '../app/session.js';
import { MessagesNavBadge } from '../pages/conversations/MessagesNavBadge.js';
import { ReportsNavBadge } from '../pages/reports/ReportsNavBadge.js';
import { NavLink } from './NavLink.js';

/** Every screen a signed-in member can reach; admin links appear only with the permission they need. */
const LINKS: { href: string; label: string; permission?: string; notReportsOnly?: true }[] = [
  { href: '/', label: 'nav.dashboard', notReportsOnly: true },
  { href: '/admin/volunteers', label: 'nav.volunteers', permission: 'users:read' },
  { href: '/admin/invites', label: 'nav.invites', permission: 'invites:read' },
  { href: '/admin/roles', label: 'nav.roles', permission: 'roles:read' },
  { href: '/admin/settings', label: 'nav.hotlineSettings', permission: 'settings:read' },
  { href: '/admin/audit', label: 'nav.audit', permission: 'audit:read' },
  { href: '/admin/shifts', label: 'nav.shifts', permission: 'shifts:write' },
  { href: '/admin/calls', label: 'calls.nav.calls', permission: 'calls:read-all' },
  { href: '/admin/bans', label: 'calls.nav.bans', permission: 'bans:read' },
  { href: '/shifts', label: 'nav.myShifts', notReportsOnly: true },
  { href: '/notes', label: 'notes.nav.notes', permission: 'notes:read-own' },
  { href: '/conversations', label: 'conversations.nav', permission: 'conversations:read-assigned' },
  { href: '/reports', label: 'reports.nav', permission: 'reports:read-own' },
  { href: '/admin/grant-access', label: 'notes.nav.grantAccess', permission: 'notes:read-all' },
  { href: '/settings', label: 'nav.mySettings' },
];

export function isCurrent(href: string, path: string): boolean {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}

export function MemberNav({ me, path }: { me: Me; path: string }) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t('nav.label')} className="main-nav">
      <ul>
        {LINKS.filter(
          (l) => (!l.permission || can(me, l.permission)) && !(l.notReportsOnly && reportsOnly(me)),
        ).map((link) => (
          <li key={link.href}>
            <NavLink href={link.href} current={isCurrent(link.href, path)}>
              {t(link.href === '/reports' && !can(me, 'reports:read-all') ? 'reports.navMine' : link.label)}
            </NavLink>
            {link.href === '/conversations' && <MessagesNavBadge me={me} />}
            {link.href === '/reports' && can(me, 'reports:read-all') && <ReportsNavBadge />}
          </li>
        ))}
      </ul>
    </nav>
  );
}
