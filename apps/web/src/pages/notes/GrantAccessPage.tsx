import type { GrantStatus, RoleView, UserView } from '@llamenos/protocol';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { PageHeading } from '../../components/PageHeading.js';
import { useLoad } from '../../components/useLoad.js';
import { api } from '../../lib/api.js';
import { grantStatus, grantWork, postGrant } from '../../lib/notes/api.js';
import { notesPool } from '../../lib/notes/pool.js';
import { KeyNeeded } from './shared.js';
import './notes.css';
import { userTextIn } from '../../components/UserText.js';

/** Remembers an unfinished grant (a public key only), so a reload offers to resume it. */
const PENDING_KEY = 'llamenos.notes.grant-pending';
const BATCH = 500;

const grants = (permissions: readonly string[], permission: string) => {
  const domain = permission.split(':')[0];
  return permissions.some((g) => g === '*' || g === permission || g === `${domain}:*`);
};

/** Active members other than me whose roles let them read every note. */
function noteAdmins(users: UserView[], roles: RoleView[], me: Me): UserView[] {
  const permissionsOf = (roleIds: string[]) =>
    roleIds.flatMap((id) => roles.find((r) => r.id === id)?.permissions ?? []);
  return users.filter(
    (u) => u.active && u.pubkey !== me.pubkey && grants(permissionsOf(u.roles), 'notes:read-all'),
  );
}

/** /admin/grant-access: share the keys of existing notes with a new admin, from this browser. */
export function GrantAccessPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  return (
    <section>
      <PageHeading>{t('notes.grant.title')}</PageHeading>
      <p>{t('notes.grant.explain')}</p>
      <KeyNeeded>
        <Grant me={me} />
      </KeyNeeded>
    </section>
  );
}

function Grant({ me }: { me: Me }) {
  const { t } = useTranslation();
  const people = useLoad('grant:people', async () => {
    const [users, roles] = await Promise.all([
      api<{ users: UserView[] }>('GET', '/api/users'),
      api<{ roles: RoleView[] }>('GET', '/api/roles'),
    ]);
    return noteAdmins(users.users, roles.roles, me);
  });
  const [reader, setReader] = useState<string>(() => localStorage.getItem(PENDING_KEY) ?? '');
  const [status, setStatus] = useState<GrantStatus | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [skipped, setSkipped] = useState(0);
  const paused = useRef(false);
  const [pausing, setPausing] = useState(false);

  const candidates = people.data ?? [];
  const chosen = candidates.find((c) => c.pubkey === reader) ?? null;

  useEffect(() => {
    setStatus(null);
    setError(null);
    if (!chosen) return;
    let current = true;
    grantStatus(chosen.pubkey).then(
      (s) => current && setStatus(s),
      (e: unknown) => current && setError(e),
    );
    return () => {
      current = false;
    };
  }, [chosen]);

  async function run(target: string) {
    setRunning(true);
    setError(null);
    setSkipped(0);
    paused.current = false;
    setPausing(false);
    localStorage.setItem(PENDING_KEY, target);
    const bump = (n: number) => setStatus((s) => (s ? { ...s, done: Math.min(s.total, s.done + n) } : s));
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
      const final = await grantStatus(target);
      setStatus(final);
      if (final.done + final.unavailableToCaller >= final.total) localStorage.removeItem(PENDING_KEY);
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
      setPausing(false);
    }
  }

  const complete = status !== null && status.done + status.unavailableToCaller >= status.total;
  const percent = status && status.total > 0 ? Math.floor((status.done / status.total) * 100) : 100;
  const started = status !== null && status.done > 0 && !complete;

  return (
    <>
      <ErrorMessage error={people.error} />
      {people.loading && !people.data && <p aria-busy="true">{t('app.loading')}</p>}
      {people.data && candidates.length === 0 && <p>{t('notes.grant.noCandidates')}</p>}
      {candidates.length > 0 && (
        <div>
          <label htmlFor="grant-reader">{t('notes.grant.who')}</label>
          <select
            id="grant-reader"
            value={chosen ? reader : ''}
            disabled={running}
            onChange={(e) => setReader(e.target.value)}
          >
            <option value="">{t('notes.choose')}</option>
            {candidates.map((c) => (
              <option key={c.id} value={c.pubkey} dir="auto">
                {c.displayName}
              </option>
            ))}
          </select>
        </div>
      )}
      {chosen && status && (
        <div className="panel grant-panel">
          <label htmlFor="grant-progress">
            {userTextIn(t, 'notes.grant.progressLabel', { name: chosen.displayName })}
          </label>
          <progress id="grant-progress" max={status.total || 1} value={status.total ? status.done : 1} />
          <p role="status" data-testid="grant-status" data-percent={percent}>
            {t('notes.grant.progress', { done: status.done, total: status.total, percent })}
            {running && ` ${pausing ? t('notes.grant.pausing') : t('notes.grant.working')}`}
          </p>
          {status.unavailableToCaller > 0 && (
            <p className="notice">{t('notes.grant.unavailable', { count: status.unavailableToCaller })}</p>
          )}
          {skipped > 0 && (
            <p role="alert" className="error">
              {t('notes.grant.skipped', { count: skipped })}
            </p>
          )}
          {complete ? (
            <p className="success">{userTextIn(t, 'notes.grant.complete', { name: chosen.displayName })}</p>
          ) : (
            <div className="button-row">
              {running ? (
                <button
                  type="button"
                  className="secondary"
                  disabled={pausing}
                  onClick={() => {
                    paused.current = true;
                    setPausing(true);
                  }}
                >
                  {t('notes.grant.pause')}
                </button>
              ) : (
                <button type="button" onClick={() => void run(chosen.pubkey)}>
                  {started ? t('notes.grant.resume') : t('notes.grant.start')}
                </button>
              )}
            </div>
          )}
        </div>
      )}
      <ErrorMessage error={error} />
    </>
  );
}
