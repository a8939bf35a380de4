import type { GrantStatus } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { MemberOptions } from '../../components/MemberOptions.js';
import { Panel } from '../../components/Panel.js';
import { userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { fetchReportGrantStatus, fetchReportGrantWork, postReportGrant } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { reportKeys, reportQueries } from '../../lib/queries/reports.js';
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
  const [reader, setReader] = useState<string>(() => localStorage.getItem(PENDING_KEY) ?? '');
  const chosen = candidates.find((c) => c.pubkey === reader) ?? null;
  const status = useQuery(reportQueries.grantStatus(chosen?.pubkey ?? ''));
  const run = useGrantRun();
  return (
    <Panel id="reports-grant" title={t('reports.grant.title')}>
      <p>{t('reports.grant.explain')}</p>
      <ErrorMessage error={users.error ?? roles.error} />
      {candidates.length > 0 && (
        <div>
          <label htmlFor="reports-grant-reader">{t('reports.grant.who')}</label>
          <select
            id="reports-grant-reader"
            value={chosen ? reader : ''}
            disabled={run.grant.busy}
            onChange={(e) => {
              run.grant.setError(null);
              setReader(e.target.value);
            }}
          >
            <MemberOptions none={t('reports.choose')} members={candidates} />
          </select>
        </div>
      )}
      {users.data && roles.data && candidates.length === 0 && <p>{t('reports.grant.noCandidates')}</p>}
      {chosen && status.data && (
        <GrantProgress reader={chosen.pubkey} name={chosen.displayName} status={status.data} run={run} />
      )}
      <ErrorMessage error={(chosen && status.error) || run.grant.error} />
    </Panel>
  );
}

function useGrantRun() {
  const queryClient = useQueryClient();
  const [skipped, setSkipped] = useState(0);
  const paused = useRef(false);
  const [pausing, setPausing] = useState(false);
  const grant = useSubmit(async (target: string) => {
    const setStatus = (update: (s: GrantStatus | undefined) => GrantStatus | undefined) =>
      queryClient.setQueryData<GrantStatus>(reportKeys.grantStatus(target), update);
    setSkipped(0);
    paused.current = false;
    setPausing(false);
    localStorage.setItem(PENDING_KEY, target);
    try {
      const pool = reportsPool();
      let after: string | null = null;
      for (;;) {
        const batch = await fetchReportGrantWork(target, after, BATCH);
        if (batch.items.length === 0) break;
        const { wraps, failed } = await pool.rewrap(target, batch.items);
        if (failed) setSkipped((n) => n + failed);
        if (wraps.length) {
          const result = await postReportGrant(target, wraps);
          const n = result.inserted + result.alreadyPresent;
          setStatus((s) => (s ? { ...s, done: Math.min(s.total, s.done + n) } : s));
        }
        if (!batch.next || paused.current) break;
        after = batch.next;
      }
      const final = await fetchReportGrantStatus(target);
      setStatus(() => final);
      if (final.done + final.unavailableToCaller >= final.total) localStorage.removeItem(PENDING_KEY);
    } finally {
      setPausing(false);
    }
  });
  const pause = () => {
    paused.current = true;
    setPausing(true);
  };
  return { grant, skipped, pausing, pause };
}

function GrantProgress({
  reader,
  name,
  status,
  run,
}: {
  reader: string;
  name: string;
  status: GrantStatus;
  run: ReturnType<typeof useGrantRun>;
}) {
  const { t } = useTranslation();
  const complete = status.done + status.unavailableToCaller >= status.total;
  const percent = status.total > 0 ? Math.floor((status.done / status.total) * 100) : 100;
  return (
    <div>
      <progress
        aria-label={t('reports.grant.title')}
        max={status.total || 1}
        value={status.total ? status.done : 1}
      />
      <p role="status" data-testid="reports-grant-status" data-percent={percent}>
        {t('reports.grant.progress', { done: status.done, total: status.total, percent })}
        {run.grant.busy && ` ${run.pausing ? t('reports.grant.pausing') : t('reports.grant.working')}`}
      </p>
      {status.unavailableToCaller > 0 && (
        <p className="notice">{t('reports.grant.unavailable', { count: status.unavailableToCaller })}</p>
      )}
      {run.skipped > 0 && (
        <p role="alert" className="error">
          {t('reports.grant.skipped', { count: run.skipped })}
        </p>
      )}
      {complete ? (
        <p className="success">{userTextIn(t, 'reports.grant.complete', { name })}</p>
      ) : (
        <div className="button-row">
          {run.grant.busy ? (
            <button type="button" className="secondary" disabled={run.pausing} onClick={run.pause}>
              {t('reports.grant.pause')}
            </button>
          ) : (
            <button type="button" onClick={() => void run.grant.run(reader)}>
              {status.done > 0 ? t('reports.grant.resume') : t('reports.grant.start')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
