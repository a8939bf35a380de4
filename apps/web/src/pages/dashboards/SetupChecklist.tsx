import type { SetupChecklist as Checklist } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink } from '../../components/NavLink.js';
import { Panel } from '../../components/Panel.js';
import { queries } from '../../lib/queries/index.js';

/**
 * The first-run checklist on a new admin's home screen: what a hotline needs before its first
 * real call, each item ticked from the server's real state (GET /api/stats/setup, read again
 * on every visit), each linking to where it is done. It can be put away on this device, and it
 * goes away by itself once everything is done. In the first download (the home screen), so it
 * imports nothing of the dashboards' charts.
 */

const DISMISSED = 'llamenos.setup-checklist.dismissed';

interface Item {
  key: keyof Checklist;
  href: string;
  /** A server page outside the app (the simulator): a plain link, not an in-app navigation. */
  external?: boolean;
}

function items(production: boolean): Item[] {
  return [
    { key: 'hotlineNamed', href: '/admin/settings' },
    { key: 'timeZoneSet', href: '/admin/settings' },
    { key: 'volunteersInvited', href: '/admin/invites' },
    { key: 'shiftsCreated', href: '/admin/shifts' },
    { key: 'providerConnected', href: production ? '/admin/settings' : '/simulator', external: !production },
    { key: 'testCallMade', href: production ? '/admin/calls' : '/simulator', external: !production },
  ];
}

const readDismissed = () => {
  try {
    return localStorage.getItem(DISMISSED) === '1';
  } catch {
    return false;
  }
};

export function SetupChecklist() {
  const { t } = useTranslation();
  const [dismissed, setDismissed] = useState(readDismissed);
  const checklist = useQuery({ ...queries.setupChecklist(), enabled: !dismissed });
  const config = useQuery({ ...queries.publicConfig(), enabled: !dismissed });
  if (dismissed || !checklist.data) return null;
  const list = items(config.data?.production ?? true);
  const done = list.filter((item) => checklist.data[item.key]).length;
  if (done === list.length) return null;
  const dismiss = () => {
    try {
      localStorage.setItem(DISMISSED, '1');
    } catch {
      // Private browsing without storage: put away for this visit only.
    }
    setDismissed(true);
  };
  return (
    <Panel id="setup-checklist-title" title={t('setup.title')} className="setup-checklist">
      <p>{t('setup.progress', { done, total: list.length })}</p>
      <ol data-testid="setup-checklist">
        {list.map((item) => {
          const complete = checklist.data[item.key];
          const words = t(`setup.items.${item.key}`);
          return (
            <li key={item.key} data-done={complete ? 'true' : 'false'} data-testid={`setup-${item.key}`}>
              <span className="setup-mark" aria-hidden="true">
                {complete ? '✓' : '○'}
              </span>{' '}
              {complete ? (
                <span>{words}</span>
              ) : item.external ? (
                <a href={item.href}>{words}</a>
              ) : (
                <NavLink href={item.href}>{words}</NavLink>
              )}{' '}
              <span className="visually-hidden">{complete ? t('setup.done') : t('setup.toDo')}</span>
            </li>
          );
        })}
      </ol>
      <div className="button-row compact">
        <button type="button" className="secondary" onClick={dismiss}>
          {t('setup.dismiss')}
        </button>
      </div>
    </Panel>
  );
}
