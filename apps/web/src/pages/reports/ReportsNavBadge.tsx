import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { reportQueries } from '../../lib/queries/reports.js';
import { useReportEvents } from './events.js';

/**
 * Beside the "Reports" link for report admins, on every screen: how many reports are new (not
 * yet taken into review), re-read when a report is filed or changes (hub events, ids only).
 */
export function ReportsNavBadge() {
  const { t } = useTranslation();
  useReportEvents();
  const counts = useQuery(reportQueries.counts());
  const fresh = (counts.data ?? []).filter((c) => c.status === 'new').reduce((n, c) => n + c.count, 0);
  if (fresh === 0) return null;
  return (
    <span className="badge unread nav-unread" data-testid="reports-new">
      {t('reports.newCount', { count: fresh })}
    </span>
  );
}
