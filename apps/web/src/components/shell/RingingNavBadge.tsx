import { useTranslation } from 'react-i18next';
import { useCalls } from '../../lib/calls/store.js';

/**
 * Beside the dashboard link, where calls are answered: how many calls ring for this member
 * right now, so someone on another screen sees it at a glance (the call card shows too).
 */
export function RingingNavBadge() {
  const { t } = useTranslation();
  const { ringing } = useCalls();
  if (ringing.length === 0) return null;
  return (
    <span className="badge ringing nav-unread" data-testid="nav-ringing">
      {t('nav.ringing', { count: ringing.length })}
    </span>
  );
}
