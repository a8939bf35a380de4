import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { type GrantKind, type GrantSteps, GrantToReader } from '../../components/GrantRun.js';
import { Page } from '../../components/PageHeading.js';
import { grantStatus, grantWork, postGrant } from '../../lib/notes/api.js';
import { notesPool } from '../../lib/notes/pool.js';
import { queryKeys } from '../../lib/queries/index.js';
import { grantTranscriptsTo } from '../../lib/transcription/grant.js';
import { KeyNeeded } from './shared.js';
import './notes.css';
import { ReportsGrantSection } from '../reports/ReportsGrantSection.js';

/** Remembers an unfinished grant (a public key only), so a reload offers to resume it. */
const PENDING_KEY = 'llamenos.notes.grant-pending';
const BATCH = 500;

/** /admin/grant-access: share the keys of existing notes with a new admin, from this browser. */
export function GrantAccessPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  return (
    <Page title={t('notes.grant.title')}>
      <p>{t('notes.grant.explain')}</p>
      <KeyNeeded>
        <GrantToReader
          me={me}
          kind={NOTES_GRANT}
          pickerId="grant-reader"
          look={{
            testId: 'grant-status',
            bar: { id: 'grant-progress', label: 'notes.grant.progressLabel' },
            className: 'panel grant-panel',
          }}
        />
        {can(me, 'reports:read-all') && <ReportsGrantSection me={me} />}
      </KeyNeeded>
    </Page>
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

/** Notes (and with them transcripts) as a kind of record to grant. */
const NOTES_GRANT: GrantKind = {
  readAll: 'notes:read-all',
  pendingKey: PENDING_KEY,
  statusKey: queryKeys.grantStatus,
  fetchStatus: grantStatus,
  shareAll: shareNotes,
  keys: {
    who: 'notes.grant.who',
    none: 'notes.choose',
    noCandidates: 'notes.grant.noCandidates',
    progress: 'notes.grant.progress',
    working: 'notes.grant.working',
    pausing: 'notes.grant.pausing',
    unavailable: 'notes.grant.unavailable',
    skipped: 'notes.grant.skipped',
    complete: 'notes.grant.complete',
    start: 'notes.grant.start',
    pause: 'notes.grant.pause',
    resume: 'notes.grant.resume',
  },
};
