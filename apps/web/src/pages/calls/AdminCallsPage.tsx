import type { CallStatus, CallView } from '@llamenos/protocol';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { type Column, RowAction } from '../../components/DataTable.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime, lastDigits } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { Panel } from '../../components/Panel.js';
import { TablePanel } from '../../components/TablePanel.js';
import { fetchPublicSettings } from '../../lib/api/index.js';
import { fetchCallHistory, startOfTodayIn } from '../../lib/calls/api.js';
import { type CallAnswerer, openCallAnswerer } from '../../lib/calls/meta.js';
import { queries, queryKeys } from '../../lib/queries/index.js';
import { unlockedSecretKey } from '../../lib/vault.js';
import { ProviderTests } from './ProviderTests.js';
import { AutoTranscriber, Transcripts } from './Transcripts.js';
import { VoicemailPlayer } from './VoicemailPlayer.js';

const PAGE = 25;
const LIVE_STATUSES: CallStatus[] = ['queued', 'ringing', 'answered'];

/** Today's answered, voicemail and abandoned calls, from midnight in the hotline's zone. */
async function countToday() {
  const settings = await fetchPublicSettings();
  const since = startOfTodayIn(settings.timeZone).toISOString();
  const count = async (status: CallStatus) => (await fetchCallHistory({ status, since, limit: 1 })).total;
  const [completed, answered, voicemail, abandoned] = await Promise.all([
    count('completed'),
    count('answered'),
    count('voicemail'),
    count('abandoned'),
  ]);
  return { answered: completed + answered, voicemail, abandoned };
}

/** A member's name from the directory (empty for nobody); only admins who may read members see names. */
function useMemberName(me: Me) {
  const { t } = useTranslation();
  const users = useQuery(queries.memberNames(can(me, 'users:read')));
  return (id: string | null) =>
    id ? (users.data?.find((u) => u.id === id)?.displayName ?? t('calls.unknownMember')) : '';
}

/** The columns both call tables start with: when (the way to the call's page), who called (last 4 digits), and the call's state. */
function callColumns(t: TFunction, language: string): Column<CallView>[] {
  return [
    {
      header: t('calls.started'),
      cell: (c) => <NavLink href={`/calls/${c.id}`}>{formatDateTime(c.createdAt, language)}</NavLink>,
    },
    {
      header: t('calls.caller'),
      // A role-play on the training line: its caller was a trainer, its number fictional.
      cell: (c) => (c.training ? t('training.title') : lastDigits(c.callerLast4, t('calls.withheld'))),
      direction: 'ltr',
    },
    { header: t('calls.state'), cell: (c) => t(`calls.status.${c.status}`) },
  ];
}

/** Calls queued, ringing or answered right now. */
function LiveCalls({ nameOf }: { nameOf: (id: string | null) => string }) {
  const { t, i18n } = useTranslation();
  const live = useQuery({
    queryKey: queryKeys.liveCalls,
    queryFn: async () => {
      const lists = await Promise.all(
        LIVE_STATUSES.map((status) => fetchCallHistory({ status, limit: 100 })),
      );
      return lists.flatMap((l) => l.calls);
    },
  });
  const ringingCount = live.data?.filter((c) => c.status !== 'answered').length ?? 0;

  return (
    <TablePanel
      id="live-title"
      title={t('calls.liveTitle')}
      intro={<p data-testid="ringing-count">{t('calls.ringingCount', { count: ringingCount })}</p>}
      query={live}
      testId="live-calls"
      rowKey={(c) => c.id}
      empty={t('calls.noLiveCalls')}
      columns={[
        ...callColumns(t, i18n.language),
        { header: t('calls.answeredBy'), cell: (c) => nameOf(c.answeredBy), direction: 'auto' },
      ]}
    />
  );
}

/** Answered, voicemail and abandoned counts since midnight. */
function TodayCounts() {
  const { t } = useTranslation();
  const today = useQuery({ queryKey: queryKeys.todayCounts, queryFn: countToday });
  const counts = [
    ['answered', t('calls.countAnswered')],
    ['voicemail', t('calls.countVoicemail')],
    ['abandoned', t('calls.countAbandoned')],
  ] as const;
  return (
    <Panel id="today-title" title={t('calls.todayTitle')}>
      <ErrorMessage error={today.error} />
      {today.data && (
        <dl className="call-counts" data-testid="today-counts">
          {counts.map(([which, caption]) => (
            <div key={which}>
              <dt>{caption}</dt>
              <dd data-testid={`count-${which}`}>{today.data[which]}</dd>
            </div>
          ))}
        </dl>
      )}
    </Panel>
  );
}

/** Who answered an ended call, from its sealed metadata, or why that cannot be shown. */
function useAnsweredBy(calls: CallView[] | undefined, nameOf: (id: string | null) => string) {
  const { t } = useTranslation();
  // Ended calls carry who answered only in their sealed metadata, opened here with the unlocked key.
  const answerers = useMemo(() => {
    const key = unlockedSecretKey();
    return new Map((calls ?? []).map((c) => [c.id, openCallAnswerer(c, key)]));
  }, [calls]);
  return (c: CallView) => {
    const a: CallAnswerer = answerers.get(c.id) ?? { state: 'plain', userId: c.answeredBy };
    if (a.state === 'plain' || a.state === 'answered') return nameOf(a.userId);
    const note = {
      locked: t('calls.meta.locked'),
      'not-shared': t('calls.meta.notShared'),
      failed: t('calls.meta.failed'),
    }[a.state];
    return (
      <span className="hint" data-testid="call-meta-unavailable">
        {note}
      </span>
    );
  };
}

/** A history call's voicemail: a button until it is played, then the player; and its transcripts. */
function VoicemailCell({
  call,
  me,
  playing,
  onPlay,
}: {
  call: CallView;
  me: Me;
  playing: boolean;
  onPlay: () => void;
}) {
  const { t } = useTranslation();
  const [showTranscripts, setShowTranscripts] = useState(false);
  if (!call.hasVoicemail) return null;
  return (
    <>
      {playing ? (
        <VoicemailPlayer callId={call.id} />
      ) : (
        <RowAction
          action={t('calls.playVoicemail')}
          item={lastDigits(call.callerLast4, t('calls.withheld'))}
          onClick={onPlay}
        />
      )}
      {showTranscripts ? (
        <Transcripts call={call} me={me} />
      ) : (
        <RowAction
          action={t('transcription.show')}
          item={lastDigits(call.callerLast4, t('calls.withheld'))}
          onClick={() => setShowTranscripts(true)}
        />
      )}
    </>
  );
}

/** Newer / Older buttons under a long history. */
function Pager({
  offset,
  total,
  onMove,
}: {
  offset: number;
  total: number;
  onMove: (offset: number) => void;
}) {
  const { t } = useTranslation();
  if (total <= PAGE) return null;
  return (
    <div className="button-row compact">
      <button
        type="button"
        className="secondary"
        disabled={offset === 0}
        onClick={() => onMove(Math.max(0, offset - PAGE))}
      >
        {t('calls.newer')}
      </button>
      <button
        type="button"
        className="secondary"
        disabled={offset + PAGE >= total}
        onClick={() => onMove(offset + PAGE)}
      >
        {t('calls.older')}
      </button>
    </div>
  );
}

/** Ended calls, newest first, a page at a time, with their voicemail. */
function CallHistory({ me, nameOf }: { me: Me; nameOf: (id: string | null) => string }) {
  const { t, i18n } = useTranslation();
  const [offset, setOffset] = useState(0);
  // The page on screen stays until the next one arrives.
  const history = useQuery({ ...queries.callHistory(offset, PAGE), placeholderData: keepPreviousData });
  const [playing, setPlaying] = useState<string | null>(null);
  const answeredBy = useAnsweredBy(history.data?.calls, nameOf);

  return (
    <TablePanel
      id="history-title"
      title={t('calls.historyTitle')}
      error={history.error}
      testId="call-history"
      rows={history.data?.calls}
      rowKey={(c) => c.id}
      empty={t('calls.noCalls')}
      columns={[
        ...callColumns(t, i18n.language),
        { header: t('calls.answeredBy'), cell: answeredBy, direction: 'auto' },
        {
          header: t('calls.voicemail'),
          cell: (c) => (
            <VoicemailCell call={c} me={me} playing={playing === c.id} onPlay={() => setPlaying(c.id)} />
          ),
        },
      ]}
    >
      {history.data && (
        <>
          <Pager offset={offset} total={history.data.total} onMove={setOffset} />
          <AutoTranscriber calls={history.data.calls} me={me} />
        </>
      )}
    </TablePanel>
  );
}

export function AdminCallsPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  // Live, today's counts and history are re-read on every call event and after a reconnection (lib/queries/live.ts).
  const nameOf = useMemberName(me);
  return (
    <section className="calls-admin">
      <PageHeading>{t('calls.adminTitle')}</PageHeading>
      <p className="button-row compact">
        <NavLink href="/admin/calls/board">{t('calls.board.title')}</NavLink>
        <NavLink href="/admin/bans">{t('calls.manageBans')}</NavLink>
        <NavLink href="/admin/settings">{t('calls.spamSettings')}</NavLink>
        <NavLink href="/admin/settings">{t('calls.callSettings')}</NavLink>
      </p>
      <LiveCalls nameOf={nameOf} />
      <TodayCounts />
      <CallHistory me={me} nameOf={nameOf} />
      {can(me, 'settings:read') && <ProviderTests writable={can(me, 'settings:write')} />}
    </section>
  );
}
