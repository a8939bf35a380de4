import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
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
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // After a warm transfer's talk the member already agreed to take this call: picked up at once.
  const consult = useWarmTransfer().incoming;
  const agreedCall =
    offer && consult?.callId === offer.callId && consult.state === 'talking' ? offer.callId : null;
  const agreedProvider = agreedCall ? offer?.provider : null;
  useEffect(() => {
    if (!agreedCall || !agreedProvider) return;
    void takeHandOver(agreedCall, agreedProvider).catch(setError);
  }, [agreedCall, agreedProvider]);
  if (!offer) return error ? <ErrorMessage error={error} /> : null;
  const take = async () => {
    setBusy(true);
    setError(null);
    try {
      await takeHandOver(offer.callId, offer.provider);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article className="incoming-call" aria-labelledby="hand-over-title" data-testid="hand-over-offer">
      <h2 id="hand-over-title" className="incoming-call-title">
        <span className="ring-dot" aria-hidden="true" />
        {t('calls.warm.inviteTitle')}
      </h2>
      <div className="button-row">
        <button type="button" disabled={busy} onClick={() => void take()}>
          {t('calls.answer')}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => declineHandOver(offer.callId)}
        >
          {t('calls.warm.decline')}
        </button>
      </div>
      <ErrorMessage error={error} />
    </article>
  );
}
