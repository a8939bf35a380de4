import type { ConversationDetail, ConversationView } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ActionError } from '../../components/ActionError.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { Panel } from '../../components/Panel.js';
import { ActionButton } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { type ConversationAction, conversationAction } from '../../lib/api/index.js';
import { waitsForWraps, wrapsRefetchInterval } from '../../lib/conversations/wraps-wait.js';
import { queries, queryKeys } from '../../lib/queries/index.js';
import { useConnectionStatus, useHubEvent } from '../../lib/realtime/index.js';
import { ExportConversation } from './ExportConversation.js';
import { Messages } from './Messages.js';
import { ReplyForm } from './ReplyForm.js';
import { runRewrap } from './rewrapRunner.js';
import { contactLabel, WaitingTime } from './shared.js';
import { TransferForm } from './TransferForm.js';

function ThreadActions({ conversation, me }: { conversation: ConversationView; me: Me }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const act = useSubmit(async (action: ConversationAction) => {
    await conversationAction(conversation.id, action);
    await client.invalidateQueries({ queryKey: queryKeys.conversations });
  });
  const mine = conversation.assignedTo === me.id;
  const handles = mine || can(me, 'conversations:read-all') || can(me, 'conversations:assign');
  const closed = conversation.status === 'closed';
  return (
    <>
      <div className="button-row">
        {conversation.status === 'waiting' &&
          conversation.assignedTo === null &&
          can(me, 'conversations:claim') && (
            <ActionButton busy={act.busy} onClick={() => act.run('claim')}>
              {t('conversations.claim')}
            </ActionButton>
          )}
        {handles && (
          <ActionButton
            busy={act.busy}
            className="secondary"
            onClick={() => act.run(closed ? 'reopen' : 'close')}
          >
            {closed ? t('conversations.reopen') : t('conversations.close')}
          </ActionButton>
        )}
      </div>
      <ActionError error={act.error} />
      {(mine || can(me, 'conversations:assign')) && !closed && (
        <TransferForm conversation={conversation} me={me} />
      )}
    </>
  );
}

/** Opening the thread reads it: the unread count goes to zero for this member. */
function useMarkRead(id: string, unread: number) {
  const client = useQueryClient();
  useEffect(() => {
    if (unread === 0) return;
    conversationAction(id, 'read').then(
      () => client.invalidateQueries({ queryKey: queryKeys.conversationLists }),
      () => undefined,
    );
  }, [id, unread, client]);
}

/**
 * A change of hands waits for someone who can read the history: this member, if they hold
 * any of it (an admin, the previous assignee); asking otherwise would only be refused.
 */
function useHistoryRewrap(id: string, me: Me, messages: ConversationDetail['messages'] | undefined) {
  const client = useQueryClient();
  const holdsHistory =
    can(me, 'conversations:read-all') ||
    (messages?.some((m) => m.envelope.wraps.some((w) => w.reader === me.pubkey)) ?? false);
  useEffect(() => {
    if (holdsHistory) runRewrap(id, me, client);
  }, [id, me, client, holdsHistory]);
  useHubEvent('conversation:rewrap-needed', (event) => {
    if (event.conversationId === id && holdsHistory) runRewrap(id, me, client);
  });
}

/** The conversation's status, channel, how long it has waited and who has it. */
function ThreadState({
  conversation,
  nameOf,
}: {
  conversation: ConversationView;
  nameOf: (userId: string) => string;
}) {
  const { t } = useTranslation();
  return (
    <p className="thread-state">
      <span className="badge" data-testid="conversation-status">
        {t(`conversations.status.${conversation.status}`)}
      </span>
      <span className="badge ltr">{conversation.channel}</span>
      {conversation.status === 'waiting' && <WaitingTime since={conversation.waitingSince} />}
      {conversation.assignedTo && (
        <span className="hint" data-testid="conversation-assignee">
          {' '}
          {t('conversations.assignedTo')} <bdi>{nameOf(conversation.assignedTo)}</bdi>
        </span>
      )}
    </p>
  );
}

/** One conversation: who and where, its actions, the decrypted thread and the reply box. */
export function ConversationThread({
  id,
  me,
  nameOf,
  assigneeKey,
}: {
  id: string;
  me: Me;
  nameOf: (userId: string) => string;
  /** A member's public key by user id, when this member can know it. */
  assigneeKey: (userId: string | null) => string | null;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  // Given to someone else while open: this member may no longer read it (unless they read all).
  const [handedOver, setHandedOver] = useState(false);
  const hub = useConnectionStatus();
  const detail = useQuery({
    ...queries.conversation(id),
    enabled: !handedOver,
    refetchInterval: (query) => wrapsRefetchInterval(query.state.data, me.pubkey, hub),
  });
  const conversation = detail.data?.conversation;

  useMarkRead(id, conversation?.unread ?? 0);

  useHubEvent('conversation:assigned', (event) => {
    if (event.conversationId !== id) return;
    if (event.assignee !== me.pubkey && !can(me, 'conversations:read-all')) setHandedOver(true);
    else void client.invalidateQueries({ queryKey: queryKeys.conversation(id) });
  });
  useHistoryRewrap(id, me, detail.data?.messages);

  if (handedOver)
    return (
      <p role="status" className="notice" data-testid="handed-over">
        {t('conversations.handedOver')}
      </p>
    );
  if (detail.error) return <ErrorMessage error={detail.error} />;
  if (!detail.data || !conversation) return <p aria-busy="true">{t('app.loading')}</p>;
  const mayReply =
    can(me, 'conversations:reply') &&
    conversation.status !== 'closed' &&
    !conversation.optedOut &&
    (conversation.assignedTo === me.id || can(me, 'conversations:read-all'));

  return (
    <Panel
      id="thread-title"
      title={<span className="ltr">{contactLabel(conversation, t)}</span>}
      className="thread"
    >
      <ThreadState conversation={conversation} nameOf={nameOf} />
      {conversation.optedOut && <p className="notice">{t('conversations.optedOut')}</p>}
      <ThreadActions conversation={conversation} me={me} />
      <Messages
        conversationId={id}
        messages={detail.data.messages}
        version={detail.dataUpdatedAt}
        me={me}
        nameOf={nameOf}
      />
      {waitsForWraps(detail.data, me.pubkey) && (
        <p className="hint" role="status">
          {t('conversations.waitingForHistory')}
        </p>
      )}
      {mayReply && <ReplyForm conversationId={id} assigneeKey={assigneeKey(conversation.assignedTo)} />}
      {/* The server lets only those who read every conversation export one (export.ts). */}
      {can(me, 'conversations:read-all') && <ExportConversation conversationId={id} nameOf={nameOf} />}
    </Panel>
  );
}
