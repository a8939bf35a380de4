import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { ActionButton } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { declineHandOver, handOverOf, takeHandOver, useHandOverInvites } from '../../lib/calls/hand-over.js';
import { useProviderPhone } from '../../lib/calls/provider-phone/use-provider-phone.js';
import { useWarmTransfer } from '../../lib/calls/warm-transfer.js';

/**
 * A colleague hands this member a call through the provider (lib/calls/hand-over.ts): the
 * browser phone rings for it and this card takes or declines it; after a warm transfer's talk
 * (the member accepted, lib/calls/warm-transfer.ts) it is taken at once. Once taken, the
 * server's `call:answered` opens the active-call card as for any call.
 */
export function HandOverOffer() {
  const { t } = useTranslation();
  useHandOverInvites();
  const offer = handOverOf(useProviderPhone());
  const take = useSubmit((callId: string, provider: string) => takeHandOver(callId, provider));
  // After a warm transfer's talk the member already agreed to take this call: picked up at once.
  const consult = useWarmTransfer().incoming;
  const agreedCall =
    offer && consult?.callId === offer.callId && consult.state === 'talking' ? offer.callId : null;
  const agreedProvider = agreedCall ? offer?.provider : null;
  useEffect(() => {
    if (!agreedCall || !agreedProvider) return;
    void takeHandOver(agreedCall, agreedProvider).catch(take.setError);
  }, [agreedCall, agreedProvider, take.setError]);
  if (!offer) return take.error ? <ErrorMessage error={take.error} /> : null;
  return (
    <article className="incoming-call" aria-labelledby="hand-over-title" data-testid="hand-over-offer">
      <h2 id="hand-over-title" className="incoming-call-title">
        <span className="ring-dot" aria-hidden="true" />
        {t('calls.warm.inviteTitle')}
      </h2>
      <div className="button-row">
        <ActionButton busy={take.busy} onClick={() => take.run(offer.callId, offer.provider)}>
          {t('calls.answer')}
        </ActionButton>
        <button
          type="button"
          className="secondary"
          disabled={take.busy}
          onClick={() => declineHandOver(offer.callId)}
        >
          {t('calls.warm.decline')}
        </button>
      </div>
      <ErrorMessage error={take.error} />
    </article>
  );
}
