import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fetchTransferTargets, sendCallTransfer } from '../lib/api/webrtc.js';
import { askColleague, backToCaller, handOver, useWarmTransfer } from '../lib/calls/warm-transfer.js';
import { ErrorMessage } from './ErrorMessage.js';

/**
 * Transfer on the active-call card: the member picks a colleague on shift who is free and
 * answers in the browser (names only, as the server lists them; an option holds text only, so a
 * name's direction is isolated with dir="auto"), and either hands the caller over at once (cold)
 * or talks to the colleague first with the caller on hold (warm: lib/calls/warm-transfer.ts),
 * then hands over or goes back to the caller. Once handed over the card closes (the server tells
 * this browser the call is someone else's now).
 */
export function CallTransfer({ callId }: { callId: string }) {
  const { t } = useTranslation();
  const [targets, setTargets] = useState<{ id: string; displayName: string }[] | null>(null);
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const warm = useWarmTransfer().outgoing;

  async function open() {
    setError(null);
    setBusy(true);
    try {
      const { targets: found } = await fetchTransferTargets(callId);
      setTargets(found);
      setTo(found[0]?.id ?? '');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function transfer() {
    setError(null);
    setBusy(true);
    try {
      await sendCallTransfer(callId, to);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  async function run(step: () => Promise<void>) {
    setError(null);
    setBusy(true);
    try {
      await step();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (warm?.callId === callId)
    return (
      <div className="call-transfer" data-testid="warm-transfer" data-state={warm.state}>
        <p aria-live="polite">
          <bdi>{warm.toName}</bdi>
          {': '}
          {t(`calls.warm.${warm.state === 'asking' ? 'waiting' : warm.state}`)}
        </p>
        <div className="button-row">
          {warm.state === 'talking' && (
            <button type="button" disabled={busy} onClick={() => void run(handOver)}>
              {t('calls.warm.handOver')}
            </button>
          )}
          <button type="button" className="secondary" disabled={busy} onClick={() => void run(backToCaller)}>
            {t('calls.warm.backToCaller')}
          </button>
        </div>
        <ErrorMessage error={error} />
      </div>
    );
  const toName = targets?.find((m) => m.id === to)?.displayName ?? '';
  if (!targets)
    return (
      <>
        <button type="button" className="secondary" disabled={busy} onClick={() => void open()}>
          {t('calls.audio.transfer')}
        </button>
        <ErrorMessage error={error} />
      </>
    );
  return (
    <div className="call-transfer">
      {targets.length === 0 ? (
        <p className="hint">{t('calls.audio.noTransferTargets')}</p>
      ) : (
        <>
          <label htmlFor="transfer-to">{t('calls.audio.transferTo')}</label>
          <select id="transfer-to" value={to} onChange={(e) => setTo(e.target.value)}>
            {targets.map((m) => (
              <option key={m.id} value={m.id} dir="auto">
                {m.displayName}
              </option>
            ))}
          </select>
        </>
      )}
      <div className="button-row">
        {targets.length > 0 && (
          <button type="button" disabled={busy || !to} onClick={() => void transfer()}>
            {busy ? t('calls.audio.transferring') : t('calls.audio.transferConfirm')}
          </button>
        )}
        {targets.length > 0 && (
          <button
            type="button"
            className="secondary"
            disabled={busy || !to}
            onClick={() => void run(() => askColleague(callId, to, toName))}
          >
            {t('calls.warm.start')}
          </button>
        )}
        <button type="button" className="secondary" disabled={busy} onClick={() => setTargets(null)}>
          {t('calls.audio.transferCancel')}
        </button>
      </div>
      <ErrorMessage error={error} />
    </div>
  );
}
