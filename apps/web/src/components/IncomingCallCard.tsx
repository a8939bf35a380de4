import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { notifyIncomingCall } from '../lib/calls/notify.js';
import { isRingtoneMuted, onRingtoneMuteChange, setRingtoneMuted } from '../lib/calls/ringtone.js';
import { answer, type RingingCall, type TakenCall, useCalls } from '../lib/calls/store.js';
import { ErrorMessage } from './ErrorMessage.js';
import { userTextIn } from './UserText.js';

/** True while the person is typing somewhere: focus must not be taken from them then. */
function isTyping(): boolean {
  const el = document.activeElement as HTMLElement | null;
  if (!el) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement)
    return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file'].includes(el.type);
  return false;
}

export const useRingtoneMuted = (): boolean => useSyncExternalStore(onRingtoneMuteChange, isRingtoneMuted);

export function RingtoneMuteButton() {
  const { t } = useTranslation();
  const muted = useRingtoneMuted();
  return (
    <button
      type="button"
      className="secondary"
      aria-pressed={muted}
      onClick={() => setRingtoneMuted(!muted)}
      data-testid="ringtone-mute"
    >
      {muted ? t('calls.unmuteRingtone') : t('calls.muteRingtone')}
    </button>
  );
}

function CallCard({ call, autoFocus }: { call: RingingCall; autoFocus: boolean }) {
  const { t } = useTranslation();
  const { busy } = useCalls();
  const button = useRef<HTMLButtonElement>(null);
  const title = call.training
    ? t('training.title')
    : call.callerLast4
      ? t('calls.incomingFrom', { last4: call.callerLast4 })
      : t('calls.incomingWithheld');

  useEffect(() => {
    if (autoFocus && !isTyping()) button.current?.focus();
    notifyIncomingCall(call.id, t('calls.notificationTitle'), title, () => button.current?.focus());
  }, [autoFocus, call.id, t, title]);

  return (
    <article className="incoming-call" aria-labelledby={`incoming-${call.id}`} data-testid="incoming-call">
      <h2 id={`incoming-${call.id}`} className="incoming-call-title">
        <span className="ring-dot" aria-hidden="true" />
        {title}
      </h2>
      <div className="button-row">
        <button
          ref={button}
          type="button"
          className="answer"
          disabled={busy}
          onClick={() => void answer(call.id)}
        >
          {t('calls.answer')}
        </button>
        <RingtoneMuteButton />
      </div>
    </article>
  );
}

/** A call that rang for this member and a colleague answered: who took it, for a few seconds. */
function TakenCard({ call }: { call: TakenCall }) {
  const { t } = useTranslation();
  return (
    <article
      className="incoming-call taken-call"
      aria-labelledby={`taken-${call.id}`}
      data-testid="taken-call"
    >
      <h2 id={`taken-${call.id}`} className="incoming-call-title">
        {call.callerLast4
          ? t('calls.incomingFrom', { last4: call.callerLast4 })
          : t('calls.incomingWithheld')}
      </h2>
      <p data-testid="taken-by">
        {call.by ? userTextIn(t, 'calls.takenBy', { name: call.by }) : t('calls.takenByOther')}
      </p>
    </article>
  );
}

/** Calls ringing for this member, announced to screen readers as they arrive. */
export function IncomingCallCards() {
  const { t } = useTranslation();
  const { ringing, taken, notice, error, active } = useCalls();
  return (
    <>
      <div aria-live="assertive" aria-atomic="false" className="incoming-calls">
        {!active && ringing.map((call, i) => <CallCard key={call.id} call={call} autoFocus={i === 0} />)}
        {!active && taken.map((call) => <TakenCard key={call.id} call={call} />)}
      </div>
      <p role="status" className="call-notice" data-testid="call-notice">
        {notice === 'taken' ? t('calls.takenByOther') : notice === 'gone' ? t('calls.noLongerWaiting') : ''}
      </p>
      {!active && <ErrorMessage error={error} />}
    </>
  );
}
