import type { CallControlsResponse } from '@llamenos/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fetchCallControls, sendCallHold } from '../lib/api/webrtc.js';
import { CallTransfer } from './CallTransfer.js';
import { ErrorMessage } from './ErrorMessage.js';
import { useSubmit } from './useSubmit.js';

/**
 * Hold and transfer on the active-call card for a call answered through a provider's browser
 * phone, shown only where the server says the provider can move the call's audio (GET
 * /api/calls/:id/controls: Asterisk today). Hold: the caller hears hold music and neither side
 * hears the other until Resume. Transfer: cold only (the colleague's browser phone rings; the
 * call is theirs once they pick up), unless the server offers warm too.
 */
export function ProviderCallActions({ callId }: { callId: string }) {
  const { t } = useTranslation();
  const [controls, setControls] = useState<CallControlsResponse | null>(null);
  const [held, setHeld] = useState(false);
  const hold = useSubmit(async (on: boolean) => setHeld((await sendCallHold(callId, on)).onHold));
  useEffect(() => {
    let live = true;
    setControls(null);
    setHeld(false);
    fetchCallControls(callId)
      .then((c) => live && setControls(c))
      // No controls known: none offered (the card still has Mute and End).
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [callId]);
  if (!controls || (!controls.hold && !controls.transfer)) return null;
  return (
    <div className="call-audio" data-testid="provider-call-actions" data-held={held}>
      {held && <p aria-live="polite">{t('calls.audio.onHold')}</p>}
      {controls.hold && (
        <p className="button-row">
          <button
            type="button"
            className="secondary"
            aria-pressed={held}
            disabled={hold.busy}
            onClick={() => void hold.run(!held)}
          >
            {held ? t('calls.audio.resume') : t('calls.audio.hold')}
          </button>
        </p>
      )}
      <ErrorMessage error={hold.error} />
      {controls.transfer && <CallTransfer callId={callId} warm={controls.warmTransfer} />}
    </div>
  );
}
