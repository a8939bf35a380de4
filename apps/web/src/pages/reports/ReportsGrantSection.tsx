import { useTranslation } from 'react-i18next';
import type { Me } from '../../app/session.js';
import { type GrantKind, type GrantSteps, GrantToReader } from '../../components/GrantRun.js';
import { Panel } from '../../components/Panel.js';
import { fetchReportGrantStatus, fetchReportGrantWork, postReportGrant } from '../../lib/api/index.js';
import { reportKeys } from '../../lib/queries/reports.js';
import { reportsPool } from '../../lib/reports/pool.js';

/** Remembers an unfinished grant (a public key only), so a reload offers to resume it. */
const PENDING_KEY = 'llamenos.reports.grant-pending';
const BATCH = 500;

/**
 * On the Grant access page: share the keys of existing reports, their replies and their
 * attachments with a new report admin, from this browser (the server never holds a key it
 * could unwrap). Re-wrapping runs in the reports workers, a batch at a time, resumable.
 */
export function ReportsGrantSection({ me }: { me: Me }) {
  const { t } = useTranslation();
  return (
    <Panel id="reports-grant" title={t('reports.grant.title')}>
      <p>{t('reports.grant.explain')}</p>
      <GrantToReader
        me={me}
        kind={REPORTS_GRANT}
        pickerId="reports-grant-reader"
        look={{ testId: 'reports-grant-status', bar: { name: t('reports.grant.title') } }}
      />
    </Panel>
  );
}

/** Shares every report's keys (its replies and attachments too) with `target`, a batch at a time. */
async function shareReports(target: string, steps: GrantSteps): Promise<void> {
  const pool = reportsPool();
  let after: string | null = null;
  for (;;) {
    const batch = await fetchReportGrantWork(target, after, BATCH);
    if (batch.items.length === 0) break;
    const { wraps, failed } = await pool.rewrap(target, batch.items);
    if (failed) steps.skipped(failed);
    if (wraps.length) {
      const result = await postReportGrant(target, wraps);
      steps.shared(result.inserted + result.alreadyPresent);
    }
    if (!batch.next || steps.paused()) break;
    after = batch.next;
  }
}

/** Reports (their replies and attachments too) as a kind of record to grant. */
const REPORTS_GRANT: GrantKind = {
  readAll: 'reports:read-all',
  pendingKey: PENDING_KEY,
  statusKey: reportKeys.grantStatus,
  fetchStatus: fetchReportGrantStatus,
  shareAll: shareReports,
  keys: {
    who: 'reports.grant.who',
    none: 'reports.choose',
    noCandidates: 'reports.grant.noCandidates',
    progress: 'reports.grant.progress',
    working: 'reports.grant.working',
    pausing: 'reports.grant.pausing',
    unavailable: 'reports.grant.unavailable',
    skipped: 'reports.grant.skipped',
    complete: 'reports.grant.complete',
    start: 'reports.grant.start',
    pause: 'reports.grant.pause',
    resume: 'reports.grant.resume',
  },
};
