import type { CallQueueBoard } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { lastDigits } from '../../components/format.js';
import { RingtoneMuteButton } from '../../components/IncomingCallCard.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { TablePanel } from '../../components/TablePanel.js';
import { UserText } from '../../components/UserText.js';
import { formatDuration } from '../../lib/calls/api.js';
import { beepOnce } from '../../lib/calls/ringtone.js';
import { queries } from '../../lib/queries/index.js';

/**
 * The board is re-read on every call event (call:ring, call:answered, call:ended, voicemail:new:
 * its key is under 'calls', lib/queries/live.ts) and after a reconnection. A volunteer's phone
 * that stops ringing unanswered announces nothing, so it is also re-read every few seconds.
 */
const SAFETY_POLL_MS = 5_000;

type Waiting = CallQueueBoard['waiting'][number];

const secondsBetween = (from: string, to: string | undefined) =>
  to ? Math.max(0, (new Date(to).getTime() - new Date(from).getTime()) / 1000) : 0;

/** Seconds since `at`, ticking once a second, to add to the waits the server measured then. */
function useSecondsSince(at: string | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return at ? Math.max(0, Math.floor((now - new Date(at).getTime()) / 1000)) : 0;
}

/** A new call is unrung for the moment its first legs are being placed: no alert before this. */
export const UNRUNG_GRACE_SECONDS = 5;

/**
 * Calls that wait with nobody ringing for them (past the grace): the caller hears hold music
 * and no volunteer can be offered the call. `elapsed`: seconds since the board was read.
 */
export const unrungCalls = (board: CallQueueBoard | undefined, elapsed = 0): Waiting[] =>
  board?.waiting.filter(
    (w) => w.ringing.length === 0 && w.waitingSeconds + elapsed >= UNRUNG_GRACE_SECONDS,
  ) ?? [];

/**
 * A short beep each time a call starts waiting with nobody to ring (not on every re-read),
 * and the alert on the page for as long as one does.
 */
function useUnrungAlert(unrung: Waiting[]): void {
  const alerted = useRef(new Set<string>());
  const ids = unrung.map((w) => w.callId).join(',');
  useEffect(() => {
    const now = new Set(ids ? ids.split(',') : []);
    const fresh = [...now].some((id) => !alerted.current.has(id));
    alerted.current = now;
    if (fresh) beepOnce();
  }, [ids]);
}

export function QueueBoardPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const board = useQuery({ ...queries.queueBoard(), refetchInterval: SAFETY_POLL_MS });
  const users = useQuery(queries.memberNames(can(me, 'users:read')));
  const nameOf = (id: string) =>
    users.data?.find((u) => u.id === id)?.displayName ?? t('calls.unknownMember');
  const elapsed = useSecondsSince(board.data?.at);
  const unrung = unrungCalls(board.data, elapsed);
  useUnrungAlert(unrung);
  const names = (ids: string[]) =>
    ids.length ? (
      <ul className="inline-list">
        {ids.map((id) => (
          <li key={id}>
            <UserText>{nameOf(id)}</UserText>
          </li>
        ))}
      </ul>
    ) : (
      <span className="danger-text">{t('calls.board.nobodyRinging')}</span>
    );

  return (
    <section className="queue-board">
      <PageHeading>{t('calls.board.title')}</PageHeading>
      <p className="button-row compact">
        <NavLink href="/admin/calls">{t('calls.detail.back')}</NavLink>
        <RingtoneMuteButton />
      </p>
      <p role="alert" className={unrung.length ? 'error' : undefined} data-testid="queue-alert">
        {unrung.length ? t('calls.board.unrungAlert', { count: unrung.length }) : ''}
      </p>
      <ErrorMessage error={board.error} />
      <TablePanel
        id="waiting-title"
        title={t('calls.board.waiting')}
        testId="queue-waiting"
        rows={board.data?.waiting}
        rowKey={(w) => w.callId}
        empty={t('calls.board.nobodyWaiting')}
        columns={[
          { header: t('calls.board.position'), cell: (w) => w.position },
          {
            header: t('calls.caller'),
            cell: (w) => lastDigits(w.callerLast4, t('calls.withheld')),
            direction: 'ltr',
          },
          {
            header: t('calls.board.waited'),
            cell: (w) => formatDuration(w.waitingSeconds + elapsed),
            direction: 'ltr',
          },
          { header: t('calls.board.ringing'), cell: (w) => names(w.ringing), direction: 'auto' },
        ]}
      />
      <TablePanel
        id="on-calls-title"
        title={t('calls.board.onCalls')}
        testId="queue-on-calls"
        rows={board.data?.onCalls}
        rowKey={(c) => c.callId}
        empty={t('calls.board.nobodyOnACall')}
        columns={[
          { header: t('calls.answeredBy'), cell: (c) => <UserText>{nameOf(c.answeredBy)}</UserText> },
          {
            header: t('calls.duration'),
            cell: (c) => formatDuration(secondsBetween(c.answeredAt, board.data?.at) + elapsed),
            direction: 'ltr',
          },
          {
            header: t('calls.board.call'),
            cell: (c) => <NavLink href={`/calls/${c.callId}`}>{t('calls.detail.open')}</NavLink>,
          },
        ]}
      />
    </section>
  );
}
