import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fetchTransferTargets, sendCallTransfer } from '../lib/api/webrtc.js';
import { ErrorMessage } from './ErrorMessage.js';

/**
 * Cold transfer on the active-call card: the member picks a colleague on shift who is free and
 * answers in the browser (names only, as the server lists them; an option holds text only, so a
 * name's direction is isolated with dir="auto"), and hands the caller over. The
 * card then closes (the server tells this browser the call is someone else's now).
 */
export function CallTransfer({ callId }: { callId: string }) {
  const { t } = useTranslation();
  const [targets, setTargets] = useState<{ id: string; displayName: string }[] | null>(null);
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

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
        <button type="button" className="secondary" disabled={busy} onClick={() => setTargets(null)}>
          {t('calls.audio.transferCancel')}
        </button>
      </div>
      <ErrorMessage error={error} />
    </div>
  );
}
