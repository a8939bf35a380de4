import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { MessagesNavBadge } from '../../pages/conversations/MessagesNavBadge.js';
import { ReportsNavBadge } from '../../pages/reports/ReportsNavBadge.js';
import { NavLink } from '../NavLink.js';
import { NavIcon } from './NavIcon.js';
import { isCurrent, type NavItem, visibleGroups } from './navItems.js';
import { RingingNavBadge } from './RingingNavBadge.js';

/**
 * The member navigation: a sidebar of screens grouped by what people do (calls, conversations,
 * notes, reports, shifts, people, settings, audit) on a wide screen, a bar along the bottom of
 * a phone (styles.css). A group with one screen needs no title; the link says it.
 */
export function Sidebar({ me, path }: { me: Me; path: string }) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t('nav.label')} className="main-nav">
      <ul className="nav-groups">
        {visibleGroups(me).map((group) => {
          const titled = group.items.length > 1;
          const titleId = `nav-group-${group.id}`;
          return (
            <li key={group.id} className="nav-group">
              {titled && (
                <span className="nav-group-title" id={titleId}>
                  {t(`nav.groups.${group.id}`)}
                </span>
              )}
              <ul aria-labelledby={titled ? titleId : undefined}>
                {group.items.map((item) => (
                  <li key={item.href}>
                    <NavLink href={item.href} className="nav-link" current={isCurrent(item.href, path)}>
                      <NavIcon name={item.icon} />
                      <span className="nav-text">{t(labelOf(item, me))}</span>
                    </NavLink>
                    <ItemBadge href={item.href} me={me} />
                  </li>
                ))}
              </ul>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

/** A reporter who reads only their own reports sees "My reports". */
const labelOf = (item: NavItem, me: Me) =>
  item.href === '/reports' && !can(me, 'reports:read-all') ? 'reports.navMine' : item.label;

/** The counts that exist today: calls ringing, unread messages, new reports. */
function ItemBadge({ href, me }: { href: string; me: Me }) {
  if (href === '/' && can(me, 'calls:answer')) return <RingingNavBadge />;
  if (href === '/conversations') return <MessagesNavBadge me={me} />;
  if (href === '/reports' && can(me, 'reports:read-all')) return <ReportsNavBadge />;
  return null;
}
