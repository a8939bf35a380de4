import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { navigate } from '../../app/router.js';
import { can, type Me } from '../../app/session.js';
import { alertNewMessages, createUnreadWatcher } from '../../lib/conversations/alerts.js';
import { forgetSweeps } from '../../lib/conversations/rewrap.js';
import { queries } from '../../lib/queries/index.js';
import { onResync, useHubEvent } from '../../lib/realtime/index.js';
import { unlockedSecretKey } from '../../lib/vault.js';
import { runRewrap } from './rewrapRunner.js';

const MINE = { scope: 'mine', limit: 100 } as const;

/**
 * Beside the "Messages" link, on every screen: the number of unread messages on the member's
 * own conversations, a chime and a notification when one of them gets a new message, and,
 * for an admin, the history re-wraps a change of hands asks for (so the new assignee can read
 * the history even when no admin has the inbox open).
 */
export function MessagesNavBadge({ me }: { me: Me }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const mine = useQuery(queries.conversations(MINE));
  const watch = useMemo(
    () =>
      createUnreadWatcher((grown) =>
        alertNewMessages(grown, {
          title: t('conversations.notificationTitle'),
          body: t('conversations.notificationBody'),
          open: (id) => navigate(`/conversations/${id}`),
        }),
      ),
    [t],
  );
  const conversations = mine.data?.conversations;
  useEffect(() => {
    if (conversations) watch(conversations);
  }, [conversations, watch]);
  // Events missed during a gap in the connection are never replayed: the inbox looks again.
  useEffect(() => onResync(forgetSweeps), []);
  useHubEvent('conversation:rewrap-needed', (event) => {
    if (can(me, 'conversations:read-all') && unlockedSecretKey()) runRewrap(event.conversationId, me, client);
  });

  const unread = (conversations ?? []).reduce((n, c) => n + c.unread, 0);
  if (unread === 0) return null;
  return (
    <span className="badge unread nav-unread" data-testid="messages-unread">
      {t('conversations.unread', { count: unread })}
    </span>
  );
}
