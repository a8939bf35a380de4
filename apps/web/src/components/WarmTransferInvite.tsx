import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../app/session.js';
import { useCalls } from '../lib/calls/store.js';
import { acceptInvite, declineInvite, followInvites, useWarmTransfer } from '../lib/calls/warm-transfer.js';
import { ErrorMessage } from './ErrorMessage.js';
import { ActionButton } from './SubmitButton.js';
import { useSubmit } from './useSubmit.js';

/**
 * A colleague asks this member to take their call (warm transfer): the card says who, and the
 * member talks to them first or declines. While they talk, the caller is on hold; the colleague
 * then hands the call over (this member's active-call card opens) or goes back to the caller.
 * Shown as soon as the hub event says so, while the member may answer calls and is on none.
 */
export function WarmTransferInvite({ me }: { me: Me }) {
  const { t } = useTranslation();
  const { active } = useCalls();
  const { incoming } = useWarmTransfer();
  const step = useSubmit((answer: () => Promise<void>) => answer());
  const mayAnswer = can(me, 'calls:answer');
  const free = !active;
  useEffect(() => {
    if (!mayAnswer || !free) return;
    return followInvites(me.pubkey);
  }, [mayAnswer, free, me.pubkey]);
  if (!incoming) return null;
  return (
    <section
      className="incoming-call warm-invite"
      aria-labelledby="warm-invite-title"
      data-testid="warm-transfer-invite"
      data-state={incoming.state}
    >
      <h2 id="warm-invite-title">{t('calls.warm.inviteTitle')}</h2>
      <p>
        {t('calls.warm.from')}: <bdi>{incoming.fromName}</bdi>
      </p>
      {incoming.state === 'talking' ? (
        <p aria-live="polite">{t('calls.warm.inviteTalking')}</p>
      ) : (
        <div className="button-row">
          <ActionButton busy={step.busy} onClick={() => step.run(acceptInvite)}>
            {t('calls.warm.accept')}
          </ActionButton>
          <ActionButton busy={step.busy} className="secondary" onClick={() => step.run(declineInvite)}>
            {t('calls.warm.decline')}
          </ActionButton>
        </div>
      )}
      <ErrorMessage error={step.error} />
    </section>
  );
}
