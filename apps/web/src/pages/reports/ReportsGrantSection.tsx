import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import {
  GrantProgress,
  GrantReaderPicker,
  type GrantSteps,
  type GrantWordKeys,
  useGrantTo,
} from '../../components/GrantRun.js';
import { Panel } from '../../components/Panel.js';
import { fetchReportGrantStatus, fetchReportGrantWork, postReportGrant } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { reportKeys } from '../../lib/queries/reports.js';
import { reportsPool } from '../../lib/reports/pool.js';
import { reportAdmins } from './shared.js';

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
  const users = useQuery({ ...queries.users(), enabled: can(me, 'users:read') });
  const roles = useQuery({ ...queries.roles(), enabled: can(me, 'roles:read') });
  const candidates =
    users.data && roles.data
      ? reportAdmins(users.data, roles.data).filter((u) => u.pubkey !== me.pubkey)
      : [];
  const grant = useGrantTo({
    pendingKey: PENDING_KEY,
    candidates,
    statusKey: reportKeys.grantStatus,
    fetchStatus: fetchReportGrantStatus,
    shareAll: shareReports,
  });
  return (
    <Panel id="reports-grant" title={t('reports.grant.title')}>
      <p>{t('reports.grant.explain')}</p>
      <ErrorMessage error={users.error ?? roles.error} />
      {candidates.length > 0 && (
        <GrantReaderPicker
          id="reports-grant-reader"
          caption={t('reports.grant.who')}
          none={t('reports.choose')}
          candidates={candidates}
          grant={grant}
        />
      )}
      {users.data && roles.data && candidates.length === 0 && <p>{t('reports.grant.noCandidates')}</p>}
      <GrantProgress
        grant={grant}
        keys={GRANT_WORDS}
        testId="reports-grant-status"
        bar={{ name: t('reports.grant.title') }}
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

/** This records kind's words for the grant's progress. */
const GRANT_WORDS: GrantWordKeys = {
  progress: 'reports.grant.progress',
  working: 'reports.grant.working',
  pausing: 'reports.grant.pausing',
  unavailable: 'reports.grant.unavailable',
  skipped: 'reports.grant.skipped',
  complete: 'reports.grant.complete',
  start: 'reports.grant.start',
  pause: 'reports.grant.pause',
  resume: 'reports.grant.resume',
};
