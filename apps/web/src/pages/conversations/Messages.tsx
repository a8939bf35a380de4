import type { MessageView } from '@llamenos/protocol';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { ActionButton } from '../../components/SubmitButton.js';
import { UserText } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { conversationsPool } from '../../lib/conversations/pool.js';
import type { OpenedMessage } from '../../lib/conversations/protocol.js';
import { retrySend } from '../../lib/conversations/replies.js';
import { queryKeys } from '../../lib/queries/index.js';
import { Attachment } from './Attachment.js';

/** Each message opened in the conversations workers with the member's own wrap (cached there). */
function useOpened(
  conversationId: string,
  messages: readonly MessageView[],
  version: number,
  pubkey: string,
) {
  return useQuery({
    queryKey: [...queryKeys.conversation(conversationId), 'opened', version],
    placeholderData: keepPreviousData,
    queryFn: async () => {
      const opened = await conversationsPool().open(
        messages.map((m) => ({
          id: m.id,
          ciphertext: m.envelope.ciphertext,
          wrap: m.envelope.wraps.find((w) => w.reader === pubkey)?.wrap ?? null,
        })),
      );
      return new Map(opened.map((o) => [o.id, o]));
    },
  });
}

function Body({ opened }: { opened: OpenedMessage | undefined }) {
  const { t } = useTranslation();
  if (!opened) return <p aria-busy="true">{t('conversations.opening')}</p>;
  if (opened.status === 'ok')
    return (
      <p className="message-body" dir="auto">
        {opened.body}
      </p>
    );
  return <p className="hint message-body">{t(`conversations.notOpened.${opened.reason}`)}</p>;
}

function Delivery({ conversationId, message, me }: { conversationId: string; message: MessageView; me: Me }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const retry = useSubmit(async () => {
    await retrySend(conversationId, message, me.pubkey);
    await client.invalidateQueries({ queryKey: queryKeys.conversation(conversationId) });
  });
  if (message.direction === 'in') return null;
  const mayRetry =
    message.delivery === 'failed' &&
    message.retryable &&
    (message.author === me.id || can(me, 'conversations:read-all'));
  return (
    <p className="message-delivery" data-testid="message-delivery">
      <span className={message.delivery === 'failed' ? 'badge status-failed' : 'badge'}>
        {t(`conversations.delivery.${message.delivery}`)}
      </span>
      {message.errorCode && (
        <span className="hint">
          {' '}
          {t(`conversations.sendError.${message.errorCode}`, {
            defaultValue: t('conversations.sendError.other', { code: message.errorCode }),
          })}
        </span>
      )}
      {mayRetry && (
        <ActionButton busy={retry.busy} className="secondary" onClick={retry.run}>
          {t('conversations.retry')}
        </ActionButton>
      )}
      <ErrorMessage error={retry.error} />
    </p>
  );
}

/** The thread: oldest first, the contact's messages on one side and the hotline's on the other. */
export function Messages({
  conversationId,
  messages,
  version,
  me,
  nameOf,
}: {
  conversationId: string;
  messages: readonly MessageView[];
  version: number;
  me: Me;
  nameOf: (userId: string) => string;
}) {
  const { t, i18n } = useTranslation();
  const opened = useOpened(conversationId, messages, version, me.pubkey);
  if (opened.error) return <ErrorMessage error={opened.error} />;
  if (messages.length === 0) return <EmptyState>{t('conversations.noMessages')}</EmptyState>;
  return (
    <ol className="message-list" data-testid="message-list" aria-label={t('conversations.threadLabel')}>
      {messages.map((m) => (
        <li key={m.id} className={`message message-${m.direction}`} data-testid={`message-${m.direction}`}>
          <p className="message-meta hint">
            {m.direction === 'in' ? (
              t('conversations.fromContact')
            ) : m.author ? (
              <UserText>{nameOf(m.author)}</UserText>
            ) : (
              t('conversations.automatic')
            )}
            {' · '}
            <time dateTime={m.createdAt}>{formatDateTime(m.createdAt, i18n.language)}</time>
          </p>
          <Body opened={opened.data?.get(m.id)} />
          {m.media.map((media) => (
            <Attachment key={media.id} conversationId={conversationId} media={media} />
          ))}
          <Delivery conversationId={conversationId} message={m} me={me} />
        </li>
      ))}
    </ol>
  );
}
