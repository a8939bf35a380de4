import type { RoleView, UserView } from '@llamenos/protocol';
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
import { PageHeading } from '../../components/PageHeading.js';
import { activeMembersWho } from '../../components/SealedPages.js';
import { grantStatus, grantWork, postGrant } from '../../lib/notes/api.js';
import { notesPool } from '../../lib/notes/pool.js';
import { queries, queryKeys } from '../../lib/queries/index.js';
import { grantTranscriptsTo } from '../../lib/transcription/grant.js';
import { KeyNeeded } from './shared.js';
import './notes.css';
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

/**
 * Shares every note version's key with `target`, a batch at a time. The next batch is fetched
 * while this one is wrapped, and posted while the next is wrapped.
 */
async function shareNotes(target: string, steps: GrantSteps): Promise<void> {
  const pool = notesPool();
  let work = grantWork(target, null, BATCH);
  let posting: Promise<void> = Promise.resolve();
  for (;;) {
    const batch = await work;
    if (batch.items.length === 0) break;
    const next = batch.next ? grantWork(target, batch.next, BATCH) : null;
    next?.catch(() => undefined);
    const { wraps, failed } = await pool.rewrap(target, batch.items);
    if (failed) steps.skipped(failed);
    await posting;
    posting = wraps.length
      ? postGrant(target, wraps).then((r) => steps.shared(r.inserted + r.alreadyPresent))
      : Promise.resolve();
    posting.catch(() => undefined);
    if (!next || steps.paused()) break;
    work = next;
  }
  await posting;
  // Transcripts have the same readers as notes: the new admin gets them in the same run.
  if (!steps.paused()) {
    const transcripts = await grantTranscriptsTo(target, steps.paused);
    if (transcripts.failed) steps.skipped(transcripts.failed);
  }
}

/** This records kind's words for the grant's progress. */
const GRANT_WORDS: GrantWordKeys = {
  progress: 'notes.grant.progress',
  working: 'notes.grant.working',
  pausing: 'notes.grant.pausing',
  unavailable: 'notes.grant.unavailable',
  skipped: 'notes.grant.skipped',
  complete: 'notes.grant.complete',
  start: 'notes.grant.start',
  pause: 'notes.grant.pause',
  resume: 'notes.grant.resume',
};

function Grant({ me }: { me: Me }) {
  const { t } = useTranslation();
  const users = useQuery(queries.users());
  const roles = useQuery(queries.roles());
  const candidates = users.data && roles.data ? noteAdmins(users.data, roles.data, me) : [];
  const grant = useGrantTo({
    pendingKey: PENDING_KEY,
    candidates,
    statusKey: queryKeys.grantStatus,
    fetchStatus: grantStatus,
    shareAll: shareNotes,
  });
  const peopleError = users.error ?? roles.error;
  const loaded = users.data !== undefined && roles.data !== undefined;

  return (
    <>
      <ErrorMessage error={peopleError} />
      {!loaded && !peopleError && <p aria-busy="true">{t('app.loading')}</p>}
      {loaded && candidates.length === 0 && <p>{t('notes.grant.noCandidates')}</p>}
      {candidates.length > 0 && (
        <GrantReaderPicker
          id="grant-reader"
          caption={t('notes.grant.who')}
          none={t('notes.choose')}
          candidates={candidates}
          grant={grant}
        />
      )}
      <GrantProgress
        grant={grant}
        keys={GRANT_WORDS}
        testId="grant-status"
        bar={{ id: 'grant-progress', label: 'notes.grant.progressLabel' }}
        className="panel grant-panel"
      />
    </>
  );
}
