import type { ConversationView } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { transferConversation } from '../../lib/api/index.js';
import { queries, queryKeys } from '../../lib/queries/index.js';

/**
 * Hands the conversation to another member. Who may read the member list picks by name; a
 * volunteer picks among the colleagues on shift now (shown by a short id, since volunteers do
 * not see the member list). The server checks that the new assignee may hold conversations.
 */
export function TransferForm({ conversation, me }: { conversation: ConversationView; me: Me }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const readsMembers = can(me, 'users:read');
  const users = useQuery({ ...queries.users({ active: true }), enabled: readsMembers });
  const onShift = useQuery({ ...queries.onShiftNow(), enabled: !readsMembers });
  const choices = readsMembers
    ? (users.data ?? []).map((u) => ({ value: u.id, name: u.displayName }))
    : (onShift.data?.userIds ?? []).map((id) => ({
        value: id,
        name: t('conversations.memberId', { id: id.slice(0, 8) }),
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
        {candidates.map((c) => (
          <option key={c.value} value={c.value} dir="auto">
            {c.name}
          </option>
        ))}
      </select>
      <FormActions submit={transfer} action={t('conversations.transfer')} busyAction={t('common.saving')} />
    </form>
  );
}
