import type { CallDetail } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime, lastDigits } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { Panel } from '../../components/Panel.js';
import { UserText } from '../../components/UserText.js';
import { formatDuration } from '../../lib/calls/api.js';
import { openCallAnswerer, openCallRung } from '../../lib/calls/meta.js';
import { NO_FILTERS } from '../../lib/notes/api.js';
import { queries } from '../../lib/queries/index.js';
import { unlockedSecretKey } from '../../lib/vault.js';
import { NoteRow } from '../notes/NoteRow.js';
import { authorNameOf, useMembers } from '../notes/shared.js';
import { useNoteList } from '../notes/useNoteList.js';
import { Transcripts } from './Transcripts.js';
import { VoicemailPlayer } from './VoicemailPlayer.js';
import '../notes/notes.css';
import { Fact } from '../../components/Fact.js';

const PREVIEW = 200;

/** A member's name from the directory (admins who may read members); else "a member". */
function useNameOf(me: Me) {
  const { t } = useTranslation();
  const users = useQuery(queries.memberNames(can(me, 'users:read')));
  return (id: string) =>
    id === me.id
      ? me.displayName
      : (users.data?.find((u) => u.id === id)?.displayName ?? t('calls.unknownMember'));
}

/** Why sealed call metadata cannot be shown here. */
function useUnopenedText() {
  const { t } = useTranslation();
  return (state: 'locked' | 'not-shared' | 'failed') =>
    ({
      locked: t('calls.meta.locked'),
      'not-shared': t('calls.meta.notShared'),
      failed: t('calls.meta.failed'),
    })[state];
}

/**
 * Who answered and who was rung. Live, the server says it (user ids); once the call ended,
 * only the sealed metadata does, opened here with an admin's key. A volunteer (who may open only
 * a call they answered) learns only that it was them.
 */
function People({ detail, me }: { detail: CallDetail; me: Me }) {
  const { t } = useTranslation();
  const nameOf = useNameOf(me);
  const unopened = useUnopenedText();
  const { call } = detail;
  const { answerer, rung } = useMemo(() => {
    const key = unlockedSecretKey();
    return { answerer: openCallAnswerer(call, key), rung: openCallRung(call, key) };
  }, [call]);

  let answeredBy: ReactNode;
  if (detail.answeredByMe) answeredBy = t('calls.detail.you');
  else if (answerer.state === 'plain' || answerer.state === 'answered')
    answeredBy = answerer.userId ? <UserText>{nameOf(answerer.userId)}</UserText> : t('calls.detail.nobody');
  else answeredBy = <span className="hint">{unopened(answerer.state)}</span>;

  const allCalls = can(me, 'calls:read-all');
  let rungList: ReactNode = null;
  if (allCalls) {
    const ids = rung.state === 'rung' ? rung.userIds : rung.state === 'plain' ? detail.ringing : null;
    rungList =
      ids === null ? (
        <span className="hint">{unopened(rung.state as 'locked' | 'not-shared' | 'failed')}</span>
      ) : ids.length ? (
        <ul>
          {ids.map((id) => (
            <li key={id}>
              <UserText>{nameOf(id)}</UserText>
            </li>
          ))}
        </ul>
      ) : (
        t('calls.detail.nobody')
      );
  }
  return (
    <>
      <Fact term={t('calls.answeredBy')} data-testid="call-answered-by">
        {answeredBy}
      </Fact>
      {allCalls && (
        <Fact
          term={call.endedAt ? t('calls.detail.rung') : t('calls.detail.ringingNow')}
          data-testid="call-rung"
        >
          {rungList}
        </Fact>
      )}
    </>
  );
}

function Facts({ detail, me }: { detail: CallDetail; me: Me }) {
  const { t, i18n } = useTranslation();
  const { call } = detail;
  return (
    <dl className="note-meta" data-testid="call-facts">
      <Fact term={t('calls.started')}>{formatDateTime(call.createdAt, i18n.language)}</Fact>
      <Fact term={t('calls.caller')} className="ltr-cell">
        {lastDigits(call.callerLast4, t('calls.withheld'))}
      </Fact>
      <Fact term={t('calls.state')} data-testid="call-state">
        {t(`calls.status.${call.status}`)}
      </Fact>
      <Fact term={t('calls.detail.waited')} className="ltr-cell">
        {detail.waitSeconds === null ? '' : formatDuration(detail.waitSeconds)}
      </Fact>
      <Fact term={t('calls.duration')} className="ltr-cell" data-testid="call-duration">
        {detail.talkSeconds === null ? t('calls.detail.notAnswered') : formatDuration(detail.talkSeconds)}
      </Fact>
      <People detail={detail} me={me} />
    </dl>
  );
}

/** The notes linked to the call that this member may read, opened in this browser. */
function CallNotes({ callId, me }: { callId: string; me: Me }) {
  const { t } = useTranslation();
  const filters = useMemo(() => ({ ...NO_FILTERS, callId }), [callId]);
  const list = useNoteList(filters);
  const notes = list.rows;
  const members = useMembers(me);
  const nameOf = authorNameOf(me, members.data);
  return (
    <Panel id="call-notes-title" title={t('calls.detail.notes')}>
      <ErrorMessage error={list.error} />
      {!list.complete && !notes.length && !list.error && <p aria-busy="true">{t('app.loading')}</p>}
      {list.complete && !notes.length && <p className="hint">{t('calls.detail.noNotes')}</p>}
      <ul className="notes-list">
        {notes.map((n) => (
          <NoteRow key={n.key} note={n} nameOf={nameOf} preview={PREVIEW} testId="call-note" />
        ))}
      </ul>
    </Panel>
  );
}

/**
 * /calls/:id: one call — when, how long, who was rung and who answered, its notes, voicemail
 * and transcripts. Admins open any call; a volunteer only one they answered (the server says
 * which). The caller is shown by their last four digits only, as in the history.
 */
export function CallDetailPage({ id, me }: { id: string; me: Me }) {
  const { t, i18n } = useTranslation();
  const detail = useQuery(queries.callDetail(id));
  const call = detail.data?.call;
  return (
    <section className="call-detail">
      <PageHeading>
        {call
          ? t('calls.detail.title', { date: formatDateTime(call.createdAt, i18n.language) })
          : t('calls.detail.open')}
      </PageHeading>
      {can(me, 'calls:read-all') && (
        <p>
          <NavLink href="/admin/calls">{t('calls.detail.back')}</NavLink>
        </p>
      )}
      <ErrorMessage error={detail.error} />
      {detail.isPending && <p aria-busy="true">{t('app.loading')}</p>}
      {detail.data && call && (
        <>
          <Facts detail={detail.data} me={me} />
          {can(me, 'notes:read-own') && <CallNotes callId={call.id} me={me} />}
          {call.hasVoicemail && can(me, 'calls:read-all') && (
            <Panel id="call-voicemail-title" title={t('calls.voicemail')}>
              <VoicemailPlayer callId={call.id} />
            </Panel>
          )}
          {can(me, 'notes:read-own') && (
            <Panel id="call-transcripts-title" title={t('calls.detail.transcripts')}>
              <Transcripts call={call} me={me} />
            </Panel>
          )}
        </>
      )}
    </section>
  );
}
