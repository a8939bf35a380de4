import type { ConversationView } from '@llamenos/protocol';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../../components/EmptyState.js';
import { formatDateTime } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { contactLabel, WaitingTime } from './shared.js';

/**
 * Conversations as a list of links: channel and last four digits, status, how long it has
 * waited, unread count and the time of the last message. `claim` adds a Claim button to
 * waiting conversations (the queue).
 */
export function ConversationList({
  conversations,
  selected,
  empty,
  testId,
  claim,
}: {
  conversations: readonly ConversationView[];
  selected: string | null;
  empty: string;
  testId: string;
  claim?: { run: (id: string) => void; busy: boolean };
}) {
  const { t, i18n } = useTranslation();
  if (conversations.length === 0) return <EmptyState>{empty}</EmptyState>;
  return (
    <ul className="conversation-list" data-testid={testId}>
      {conversations.map((c) => {
        const heading = contactLabel(c, t);
        return (
          <li key={c.id} className={c.id === selected ? 'conversation-row selected' : 'conversation-row'}>
            <NavLink href={`/conversations/${c.id}`} current={c.id === selected}>
              <span className="ltr">{heading}</span>
            </NavLink>
            <span className="badge">{t(`conversations.status.${c.status}`)}</span>
            <span className="badge ltr">{c.channel}</span>
            {c.unread > 0 && (
              <span className="badge unread" data-testid="unread-count">
                {t('conversations.unread', { count: c.unread })}
              </span>
            )}
            {c.status === 'waiting' && <WaitingTime since={c.waitingSince} />}
            <span className="hint conversation-time">{formatDateTime(c.lastMessageAt, i18n.language)}</span>
            {claim && c.status === 'waiting' && c.assignedTo === null && (
              <button
                type="button"
                className="secondary"
                disabled={claim.busy}
                aria-label={t('conversations.claimOne', { who: heading })}
                onClick={() => claim.run(c.id)}
              >
                {t('conversations.claim')}
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
