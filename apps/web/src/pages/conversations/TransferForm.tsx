import type { ConversationView } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { NamedOptions } from '../../components/NamedOptions.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { transferConversation } from '../../lib/api/index.js';
import { queries, queryKeys } from '../../lib/queries/index.js';

/**
 * Hands the conversation to another member, picked by name. Who may read the member list picks
 * among every active member; a volunteer among the colleagues on shift now who may hold
 * conversations, as the server names them for this transfer (volunteers do not see the member
 * list). The server checks again that the new assignee may hold conversations.
 */
export function TransferForm({ conversation, me }: { conversation: ConversationView; me: Me }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const readsMembers = can(me, 'users:read');
  const users = useQuery({ ...queries.users({ active: true }), enabled: readsMembers });
  const targets = useQuery({ ...queries.transferTargets(conversation.id), enabled: !readsMembers });
  const choices = (readsMembers ? (users.data ?? []) : (targets.data ?? [])).map((u) => ({
    value: u.id,
    label: u.displayName,
  }));
  const candidates = choices.filter((c) => c.value !== conversation.assignedTo);
  const { register, handleSubmit, reset } = useForm<{ to: string }>({ defaultValues: { to: '' } });
  const transfer = useSubmit(async (to: string) => {
    await transferConversation(conversation.id, to);
    reset({ to: '' });
    await client.invalidateQueries({ queryKey: queryKeys.conversations });
  });

  if (candidates.length === 0) return null;
  return (
    <form
      className="transfer-form"
      aria-labelledby="transfer-title"
      onSubmit={handleSubmit(({ to }) => (to ? transfer.run(to) : undefined))}
    >
      <h3 id="transfer-title">{t('conversations.transferTitle')}</h3>
      <label htmlFor="transfer-to">{t('conversations.transferTo')}</label>
      <select id="transfer-to" required {...register('to')}>
        <option value="">{t('conversations.choose')}</option>
        <NamedOptions options={candidates} />
      </select>
      <FormActions submit={transfer} action={t('conversations.transfer')} />
    </form>
  );
}
