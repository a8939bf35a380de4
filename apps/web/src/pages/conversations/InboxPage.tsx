import type { ConversationStatus } from '@llamenos/protocol';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { navigate } from '../../app/router.js';
import { can, type Me } from '../../app/session.js';
import { ActionError } from '../../components/ActionError.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { PageHeading } from '../../components/PageHeading.js';
import { Panel } from '../../components/Panel.js';
import { useSubmit } from '../../components/useSubmit.js';
import { conversationAction } from '../../lib/api/index.js';
import { queries, queryKeys } from '../../lib/queries/index.js';
import { unlockedSecretKey } from '../../lib/vault.js';
import { ConversationList } from './ConversationList.js';
import { ConversationThread } from './ConversationThread.js';
import { OpenConversationExport } from './OpenConversationExport.js';
import { sweepActive } from './rewrapRunner.js';
import './conversations.css';

const LIST_LIMIT = 100;

/**
 * Members by user id from the directory: their name (who may not read members sees "a
 * colleague", or "you") and their public key (the caller's own, or none without the directory).
 */
function useMembers(me: Me) {
  const { t } = useTranslation();
  const users = useQuery(queries.memberNames(can(me, 'users:read')));
  const find = (id: string) => users.data?.find((u) => u.id === id);
  return {
    nameOf: (id: string) =>
      id === me.id ? t('conversations.you') : (find(id)?.displayName ?? t('conversations.colleague')),
    keyOf: (id: string | null) =>
      id === null ? null : id === me.id ? me.pubkey : (find(id)?.pubkey ?? null),
  };
}

/** The waiting queue: conversations nobody has yet, oldest wait first, each with its Claim button. */
function Queue({ me, selected }: { me: Me; selected: string | null }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const queue = useQuery(queries.conversations({ scope: 'queue', limit: LIST_LIMIT }));
  const claim = useSubmit(async (id: string) => {
    await conversationAction(id, 'claim');
    await client.invalidateQueries({ queryKey: queryKeys.conversations });
    navigate(`/conversations/${id}`);
  });
  const waiting = [...(queue.data?.conversations ?? [])].sort((a, b) =>
    (a.waitingSince ?? '').localeCompare(b.waitingSince ?? ''),
  );
  return (
    <Panel id="queue-title" title={t('conversations.queueTitle', { count: queue.data?.total ?? 0 })}>
      <ErrorMessage error={queue.error} />
      <ActionError error={claim.error} />
      {queue.data && (
        <ConversationList
          conversations={waiting}
          selected={selected}
          empty={t('conversations.queueEmpty')}
          testId="conversation-queue"
          claim={
            can(me, 'conversations:claim') ? { run: (id) => void claim.run(id), busy: claim.busy } : undefined
          }
        />
      )}
    </Panel>
  );
}

type StatusFilter = ConversationStatus | '';

/**
 * The inbox. A volunteer sees their own conversations and the waiting queue; an admin
 * (conversations:read-all) sees every conversation and the queue. The selected conversation's
 * thread is opened beside the lists. Lists and thread follow the hub's events.
 */
export function InboxPage({ me, id }: { me: Me; id?: string }) {
  const { t } = useTranslation();
  const all = can(me, 'conversations:read-all');
  const [status, setStatus] = useState<StatusFilter>('');
  const filter = {
    scope: all ? ('all' as const) : ('mine' as const),
    limit: LIST_LIMIT,
    ...(status ? { status } : {}),
  };
  const list = useQuery({ ...queries.conversations(filter), placeholderData: keepPreviousData });
  const { nameOf, keyOf } = useMembers(me);
  const selected = id ?? null;
  const client = useQueryClient();
  const shown = list.data?.conversations;
  // An admin's open inbox catches up on re-wraps announced while no admin was online.
  useEffect(() => {
    if (all && shown && unlockedSecretKey()) sweepActive(shown, me, client);
  }, [all, shown, me, client]);

  return (
    <section className="inbox">
      <PageHeading>{t('conversations.title')}</PageHeading>
      <div className="inbox-columns">
        <div className="inbox-lists">
          <Panel
            id="conversations-title"
            title={all ? t('conversations.allTitle') : t('conversations.mineTitle')}
          >
            <label htmlFor="conversation-status">{t('conversations.statusFilter')}</label>
            <select
              id="conversation-status"
              value={status}
              onChange={(e) => setStatus(e.target.value as StatusFilter)}
            >
              <option value="">{t('conversations.statusAny')}</option>
              <option value="active">{t('conversations.status.active')}</option>
              <option value="waiting">{t('conversations.status.waiting')}</option>
              <option value="closed">{t('conversations.status.closed')}</option>
            </select>
            <ErrorMessage error={list.error} />
            {list.data && (
              <ConversationList
                conversations={list.data.conversations}
                selected={selected}
                empty={t('conversations.empty')}
                testId="conversation-list"
              />
            )}
          </Panel>
          {(all || can(me, 'conversations:claim')) && <Queue me={me} selected={selected} />}
        </div>
        <div className="inbox-thread">
          {selected ? (
            <ConversationThread key={selected} id={selected} me={me} nameOf={nameOf} assigneeKey={keyOf} />
          ) : (
            <>
              <p className="hint">{t('conversations.pick')}</p>
              {all && <OpenConversationExport />}
            </>
          )}
        </div>
      </div>
    </section>
  );
}
