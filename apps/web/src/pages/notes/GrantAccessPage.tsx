import type { GrantStatus, RoleView, UserView } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { PageHeading } from '../../components/PageHeading.js';
import { activeMembersWho } from '../../components/SealedPages.js';
import { useSubmit } from '../../components/useSubmit.js';
import { grantStatus, grantWork, postGrant } from '../../lib/notes/api.js';
import { notesPool } from '../../lib/notes/pool.js';
import { queries, queryKeys } from '../../lib/queries/index.js';
import { grantTranscriptsTo } from '../../lib/transcription/grant.js';
import { noteQueries } from './queries.js';
import { KeyNeeded } from './shared.js';
import './notes.css';
import { MemberOptions } from '../../components/MemberOptions.js';
import { userTextIn } from '../../components/UserText.js';
import { ReportsGrantSection } from '../reports/ReportsGrantSection.js';

/** Remembers an unfinished grant (a public key only), so a reload offers to resume it. */
const PENDING_KEY = 'llamenos.notes.grant-pending';
const BATCH = 500;

/** Active members other than me whose roles let them read every note. */
const noteAdmins = (users: UserView[], roles: RoleView[], me: Me): UserView[] =>
  activeMembersWho(users, roles, 'notes:read-all').filter((u) => u.pubkey !== me.pubkey);

/** /admin/grant-access: share the keys of existing notes with a new admin, from this browser. */
export function GrantAccessPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  return (
    <section>
      <PageHeading>{t('notes.grant.title')}</PageHeading>
      <p>{t('notes.grant.explain')}</p>
      <KeyNeeded>
        <Grant me={me} />
        {can(me, 'reports:read-all') && <ReportsGrantSection me={me} />}
      </KeyNeeded>
    </section>
  );
}

/** Runs the grant for one reader, a batch at a time, and can be paused between batches. */
function useGrantRun() {
  const queryClient = useQueryClient();
  const [skipped, setSkipped] = useState(0);
  const paused = useRef(false);
  const [pausing, setPausing] = useState(false);
  const grant = useSubmit(async (target: string) => {
    // Progress is shown from the status query, moved on as batches are posted.
    const setStatus = (update: (s: GrantStatus | undefined) => GrantStatus | undefined) =>
      queryClient.setQueryData<GrantStatus>(queryKeys.grantStatus(target), update);
    setSkipped(0);
    paused.current = false;
    setPausing(false);
    localStorage.setItem(PENDING_KEY, target);
    const bump = (n: number) => {
      setStatus((s) => (s ? { ...s, done: Math.min(s.total, s.done + n) } : s));
    };
    try {
      const pool = notesPool();
      let work = grantWork(target, null, BATCH);
      let posting: Promise<void> = Promise.resolve();
      for (;;) {
        const batch = await work;
        if (batch.items.length === 0) break;
        // The next batch is fetched while this one is wrapped, and posted while the next is wrapped.
        const next = batch.next ? grantWork(target, batch.next, BATCH) : null;
        next?.catch(() => undefined);
        const { wraps, failed } = await pool.rewrap(target, batch.items);
        if (failed) setSkipped((n) => n + failed);
        await posting;
        posting = wraps.length
          ? postGrant(target, wraps).then((r) => bump(r.inserted + r.alreadyPresent))
          : Promise.resolve();
        posting.catch(() => undefined);
        if (!next || paused.current) break;
        work = next;
      }
      await posting;
      // Transcripts have the same readers as notes: the new admin gets them in the same run.
      if (!paused.current) {
        const transcripts = await grantTranscriptsTo(target, () => paused.current);
        if (transcripts.failed) setSkipped((n) => n + transcripts.failed);
      }
      const final = await grantStatus(target);
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

function Grant({ me }: { me: Me }) {
  const { t } = useTranslation();
  const users = useQuery(queries.users());
  const roles = useQuery(queries.roles());
  const candidates = users.data && roles.data ? noteAdmins(users.data, roles.data, me) : [];
  const [reader, setReader] = useState<string>(() => localStorage.getItem(PENDING_KEY) ?? '');
  const chosen = candidates.find((c) => c.pubkey === reader) ?? null;
  const status = useQuery(noteQueries.grantStatus(chosen?.pubkey ?? ''));
  const run = useGrantRun();
  const peopleError = users.error ?? roles.error;
  const loaded = users.data !== undefined && roles.data !== undefined;

  return (
    <>
      <ErrorMessage error={peopleError} />
      {!loaded && !peopleError && <p aria-busy="true">{t('app.loading')}</p>}
      {loaded && candidates.length === 0 && <p>{t('notes.grant.noCandidates')}</p>}
      {candidates.length > 0 && (
        <div>
          <label htmlFor="grant-reader">{t('notes.grant.who')}</label>
          <select
            id="grant-reader"
            value={chosen ? reader : ''}
            disabled={run.grant.busy}
            onChange={(e) => {
              run.grant.setError(null);
              setReader(e.target.value);
            }}
          >
            <MemberOptions none={t('notes.choose')} members={candidates} />
          </select>
        </div>
      )}
      {chosen && status.data && (
        <GrantProgress reader={chosen.pubkey} name={chosen.displayName} status={status.data} run={run} />
      )}
      <ErrorMessage error={(chosen && status.error) || run.grant.error} />
    </>
  );
}

/** How far the grant to one admin is, and the button that starts, resumes or pauses it. */
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
  const running = run.grant.busy;
  const complete = status.done + status.unavailableToCaller >= status.total;
  const percent = status.total > 0 ? Math.floor((status.done / status.total) * 100) : 100;
  const started = status.done > 0 && !complete;
  return (
    <div className="panel grant-panel">
      <label htmlFor="grant-progress">{userTextIn(t, 'notes.grant.progressLabel', { name })}</label>
      <progress id="grant-progress" max={status.total || 1} value={status.total ? status.done : 1} />
      <p role="status" data-testid="grant-status" data-percent={percent}>
        {t('notes.grant.progress', { done: status.done, total: status.total, percent })}
        {running && ` ${run.pausing ? t('notes.grant.pausing') : t('notes.grant.working')}`}
      </p>
      {status.unavailableToCaller > 0 && (
        <p className="notice">{t('notes.grant.unavailable', { count: status.unavailableToCaller })}</p>
      )}
      {run.skipped > 0 && (
        <p role="alert" className="error">
          {t('notes.grant.skipped', { count: run.skipped })}
        </p>
      )}
      {complete ? (
        <p className="success">{userTextIn(t, 'notes.grant.complete', { name })}</p>
      ) : (
        <div className="button-row">
          {running ? (
            <button type="button" className="secondary" disabled={run.pausing} onClick={run.pause}>
              {t('notes.grant.pause')}
            </button>
          ) : (
            <button type="button" onClick={() => void run.grant.run(reader)}>
              {started ? t('notes.grant.resume') : t('notes.grant.start')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
