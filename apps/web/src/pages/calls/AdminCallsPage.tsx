import type { CallStatus, CallView } from '@llamenos/protocol';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { fetchPublicSettings } from '../../lib/api/index.js';
import { fetchCallHistory, startOfTodayIn } from '../../lib/calls/api.js';
import { type CallAnswerer, openCallAnswerer } from '../../lib/calls/meta.js';
import { queries, queryKeys } from '../../lib/queries/index.js';
import { unlockedSecretKey } from '../../lib/vault.js';
import { ProviderTests } from './ProviderTests.js';
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

const last4 = (c: CallView, withheld: string) => (c.callerLast4 ? `…${c.callerLast4}` : withheld);

export function AdminCallsPage({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  // Live, today's counts and history are re-read on every call event and after a reconnection (lib/queries/live.ts).
  const users = useQuery(queries.memberNames(can(me, 'users:read')));
  const nameOf = (id: string | null) =>
    id ? (users.data?.find((u) => u.id === id)?.displayName ?? t('calls.unknownMember')) : '';
  const statusName = (s: CallStatus) => t(`calls.status.${s}`);

  const live = useQuery({
    queryKey: queryKeys.liveCalls,
    queryFn: async () => {
      const lists = await Promise.all(
        LIVE_STATUSES.map((status) => fetchCallHistory({ status, limit: 100 })),
      );
      return lists.flatMap((l) => l.calls);
    },
  });

  const today = useQuery({ queryKey: queryKeys.todayCounts, queryFn: countToday });

  const [offset, setOffset] = useState(0);
  // The page on screen stays until the next one arrives.
  const history = useQuery({ ...queries.callHistory(offset, PAGE), placeholderData: keepPreviousData });
  const [playing, setPlaying] = useState<string | null>(null);
  // Ended calls carry who answered only in their sealed metadata, opened here with the unlocked key.
  const answerers = useMemo(() => {
    const key = unlockedSecretKey();
    return new Map((history.data?.calls ?? []).map((c) => [c.id, openCallAnswerer(c, key)]));
  }, [history.data]);
  const answeredByCell = (c: CallView) => {
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

  const ringingCount = live.data?.filter((c) => c.status !== 'answered').length ?? 0;

  return (
    <section className="calls-admin">
      <PageHeading>{t('calls.adminTitle')}</PageHeading>
      <p className="button-row compact">
        <NavLink href="/admin/bans">{t('calls.manageBans')}</NavLink>
        <NavLink href="/admin/settings">{t('calls.spamSettings')}</NavLink>
        <NavLink href="/admin/settings">{t('calls.callSettings')}</NavLink>
      </p>

      <section className="panel" aria-labelledby="live-title">
        <h2 id="live-title">{t('calls.liveTitle')}</h2>
        <p data-testid="ringing-count">{t('calls.ringingCount', { count: ringingCount })}</p>
        <ErrorMessage error={live.error} />
        {live.data && live.data.length === 0 && <p>{t('calls.noLiveCalls')}</p>}
        {live.data && live.data.length > 0 && (
          <div className="table-wrap">
            <table data-testid="live-calls">
              <caption className="visually-hidden">{t('calls.liveTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('calls.started')}</th>
                  <th scope="col">{t('calls.caller')}</th>
                  <th scope="col">{t('calls.state')}</th>
                  <th scope="col">{t('calls.answeredBy')}</th>
                </tr>
              </thead>
              <tbody>
                {live.data.map((c) => (
                  <tr key={c.id}>
                    <td>{formatDateTime(c.createdAt, i18n.language)}</td>
                    <td className="ltr-cell">{last4(c, t('calls.withheld'))}</td>
                    <td>{statusName(c.status)}</td>
                    <td dir="auto">{nameOf(c.answeredBy)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="today-title">
        <h2 id="today-title">{t('calls.todayTitle')}</h2>
        <ErrorMessage error={today.error} />
        {today.data && (
          <dl className="call-counts" data-testid="today-counts">
            <div>
              <dt>{t('calls.countAnswered')}</dt>
              <dd data-testid="count-answered">{today.data.answered}</dd>
            </div>
            <div>
              <dt>{t('calls.countVoicemail')}</dt>
              <dd data-testid="count-voicemail">{today.data.voicemail}</dd>
            </div>
            <div>
              <dt>{t('calls.countAbandoned')}</dt>
              <dd data-testid="count-abandoned">{today.data.abandoned}</dd>
            </div>
          </dl>
        )}
      </section>

      <section className="panel" aria-labelledby="history-title">
        <h2 id="history-title">{t('calls.historyTitle')}</h2>
        <ErrorMessage error={history.error} />
        {history.data && history.data.calls.length === 0 && <p>{t('calls.noCalls')}</p>}
        {history.data && history.data.calls.length > 0 && (
          <div className="table-wrap">
            <table data-testid="call-history">
              <caption className="visually-hidden">{t('calls.historyTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('calls.started')}</th>
                  <th scope="col">{t('calls.caller')}</th>
                  <th scope="col">{t('calls.state')}</th>
                  <th scope="col">{t('calls.answeredBy')}</th>
                  <th scope="col">{t('calls.voicemail')}</th>
                </tr>
              </thead>
              <tbody>
                {history.data.calls.map((c) => (
                  <tr key={c.id}>
                    <td>{formatDateTime(c.createdAt, i18n.language)}</td>
                    <td className="ltr-cell">{last4(c, t('calls.withheld'))}</td>
                    <td>{statusName(c.status)}</td>
                    <td>{answeredByCell(c)}</td>
                    <td>
                      {c.hasVoicemail &&
                        (playing === c.id ? (
                          <VoicemailPlayer callId={c.id} />
                        ) : (
                          <button type="button" className="secondary" onClick={() => setPlaying(c.id)}>
                            {t('calls.playVoicemail')}
                            <span className="visually-hidden"> {last4(c, t('calls.withheld'))}</span>
                          </button>
                        ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {history.data && history.data.total > PAGE && (
          <div className="button-row compact">
            <button
              type="button"
              className="secondary"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE))}
            >
              {t('calls.newer')}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={offset + PAGE >= history.data.total}
              onClick={() => setOffset(offset + PAGE)}
            >
              {t('calls.older')}
            </button>
          </div>
        )}
      </section>

      {can(me, 'settings:read') && <ProviderTests writable={can(me, 'settings:write')} />}
    </section>
  );
}
