import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { usePath } from '../app/router.js';
import { can, type Me } from '../app/session.js';
import { formatDuration } from '../lib/calls/api.js';
import { callLock, useLockAfterCall } from '../lib/calls/call-lock.js';
import { banAndHangUp, dismissEnded, hangUp, useCalls } from '../lib/calls/store.js';
import { queries } from '../lib/queries/index.js';
import { CallAudioControls } from './CallAudioControls.js';
import { CallTranscriptionIndicator } from './CallTranscriptionIndicator.js';
import { ConfirmedButton } from './ConfirmDialog.js';
import { ErrorMessage } from './ErrorMessage.js';
import { NavLink } from './NavLink.js';
import { ProviderCallControls } from './ProviderPhoneStatus.js';
import { SupervisionPanel } from './SupervisionPanel.js';
import { WarmTransferInvite } from './WarmTransferInvite.js';

function useElapsed(since: string | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const start = since ? new Date(since).getTime() : now;
  return Math.max(0, (now - start) / 1000);
}

function LiveCall({ me }: { me: Me }) {
  const { t } = useTranslation();
  const { active, busy, error } = useCalls();
  const heading = useRef<HTMLHeadingElement>(null);
  const elapsed = useElapsed(active?.answeredAt ?? null);
  const id = active?.id;
  useEffect(() => {
    if (id) heading.current?.focus();
  }, [id]);
  if (!active) return null;
  return (
    <section className="active-call" aria-labelledby="active-call-title" data-testid="active-call">
      <h2 id="active-call-title" ref={heading} tabIndex={-1}>
        {active.training
          ? t('training.title')
          : active.callerLast4
            ? t('calls.onCallWith', { last4: active.callerLast4 })
            : t('calls.onCallWithheld')}
      </h2>
      <p>
        {t('calls.duration')}{' '}
        <span role="timer" className="call-timer" data-testid="call-timer">
          {formatDuration(elapsed)}
        </span>
      </p>
      <LockAfterCallNotice />
      <CallAudioControls />
      <ProviderCallControls callId={active.id} />
      <ErrorMessage error={error} />
      <div className="button-row">
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => void hangUp().catch(() => {})}
        >
          {t('calls.endCall')}
        </button>
        {can(me, 'notes:write') && (
          <NavLink href={noteForCallHref(active.id)}>{t('calls.writeNote')}</NavLink>
        )}
        {can(me, 'calls:ban') && (
          <ConfirmedButton
            action={t('calls.banAndHangUp')}
            className="secondary danger-text"
            disabled={busy}
            title={t('calls.banTitle')}
            message={t('calls.banExplain')}
            onConfirm={() => banAndHangUp('')}
          />
        )}
      </div>
    </section>
  );
}

/**
 * Lock was pressed during the call: the call stays in reach and the device locks when it ends
 * (lib/calls/call-lock.ts). The status line is always there, so its change is announced.
 */
function LockAfterCallNotice() {
  const { t } = useTranslation();
  const pending = useLockAfterCall();
  return (
    <>
      <p role="status" className={pending ? 'lock-after-call' : undefined} data-testid="lock-after-call">
        {pending ? t('calls.locksAfterCall') : ''}
      </p>
      {pending && (
        <p>
          <button type="button" className="secondary" onClick={callLock.cancel}>
            {t('calls.keepUnlocked')}
          </button>
        </p>
      )}
    </>
  );
}

/** After the call: whether this member already wrote a note linked to it. */
function NoteForCallStatus({ callId }: { callId: string }) {
  const { t } = useTranslation();
  const hasNote = useQuery(queries.hasNoteForCall(callId));
  // The card stays on every screen: asked again on each move (a note saved in the editor
  // moves to the note's page), so it never says "no note yet" beside the note just written.
  const path = usePath();
  const seenPath = useRef(path);
  const { refetch } = hasNote;
  useEffect(() => {
    if (seenPath.current === path) return;
    seenPath.current = path;
    void refetch();
  }, [path, refetch]);
  if (hasNote.data === undefined) return null;
  return (
    <p data-testid="ended-call-note" data-has-note={hasNote.data ? 'yes' : 'no'}>
      {hasNote.data ? t('calls.noteSaved') : t('calls.noNoteYet')}{' '}
      <NavLink href={`/calls/${encodeURIComponent(callId)}`}>{t('calls.detail.open')}</NavLink>
    </p>
  );
}

function EndedCall({ me }: { me: Me }) {
  const { t } = useTranslation();
  const { ended, active } = useCalls();
  if (!ended || active) return null;
  return (
    <section className="ended-call" aria-labelledby="ended-call-title" data-testid="ended-call">
      <h2 id="ended-call-title">{t('calls.ended')}</h2>
      {can(me, 'notes:read-own') && <NoteForCallStatus callId={ended.id} />}
      <div className="button-row">
        <NavLink href={noteForCallHref(ended.id)}>{t('calls.writeNote')}</NavLink>
        <button type="button" className="secondary" onClick={dismissEnded}>
          {t('calls.dismiss')}
        </button>
      </div>
    </section>
  );
}

/** The note editor, linked to this call (the saved note carries its id: NoteNewPage reads it). */
const noteForCallHref = (callId: string) => `/notes/new?callId=${encodeURIComponent(callId)}`;

/** The call this member is on (timer, end, ban) and, once it ends, the way to its note. */
export function ActiveCall({ me }: { me: Me }) {
  return (
    <>
      <LiveCall me={me} />
      <CallTranscriptionIndicator />
      <EndedCall me={me} />
      <WarmTransferInvite me={me} />
      <SupervisionPanel me={me} />
    </>
  );
}
