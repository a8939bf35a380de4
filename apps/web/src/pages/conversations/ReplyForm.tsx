import { zodResolver } from '@hookform/resolvers/zod';
import { MESSAGE_BODY_MAX } from '@llamenos/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { CharacterCounter } from '../../components/CharacterCounter.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { sendReply } from '../../lib/conversations/replies.js';
import { queryKeys } from '../../lib/queries/index.js';
import { counterState } from '../../lib/text-limit.js';

/**
 * The reply box. The text is sealed here for the assignee and the admins, then sent with the
 * sealed copy; the server hands the text to the provider and keeps only the sealed copy.
 */
export function ReplyForm({
  conversationId,
  assigneeKey,
}: {
  conversationId: string;
  /** The assignee's public key when this member knows it (their own, or from the member list). */
  assigneeKey: string | null;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const schema = z.object({
    body: z
      .string()
      .trim()
      .min(1, t('conversations.replyEmpty'))
      .max(MESSAGE_BODY_MAX, t('conversations.replyTooLong', { max: MESSAGE_BODY_MAX })),
  });
  const { register, handleSubmit, reset, formState, watch } = useForm<{ body: string }>({
    resolver: zodResolver(schema),
    defaultValues: { body: '' },
  });
  const send = useSubmit(async (body: string) => {
    await sendReply(conversationId, body, assigneeKey);
    reset({ body: '' });
    await client.invalidateQueries({ queryKey: queryKeys.conversation(conversationId) });
  });
  const problem = formState.errors.body?.message;
  // Text messages are short: what is left shows (and is read) once the reply nears the limit.
  const length = watch('body').length;
  const counting = counterState(length, MESSAGE_BODY_MAX).level !== 'quiet';

  return (
    <form
      className="reply-form"
      aria-labelledby="reply-title"
      onSubmit={handleSubmit(({ body }) => send.run(body.trim()))}
      noValidate
    >
      <h3 id="reply-title" className="visually-hidden">
        {t('conversations.replyTitle')}
      </h3>
      <label htmlFor="reply-body">{t('conversations.replyLabel')}</label>
      <textarea
        id="reply-body"
        dir="auto"
        rows={3}
        maxLength={MESSAGE_BODY_MAX}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${problem ? 'reply-problem' : 'reply-hint'}${counting ? ' reply-count' : ''}`}
        {...register('body')}
      />
      <CharacterCounter id="reply-count" length={length} max={MESSAGE_BODY_MAX} />
      {problem ? (
        <p id="reply-problem" role="alert" className="error">
          {problem}
        </p>
      ) : (
        <p id="reply-hint" className="hint">
          {t('conversations.replyHint')}
        </p>
      )}
      <FormActions submit={send} action={t('conversations.send')} busyAction={t('conversations.sending')} />
    </form>
  );
}
