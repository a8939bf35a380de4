import { generateSecretKey } from '@llamenos/crypto';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createVault, type KeyBackup } from '../lib/vault.js';

export const MIN_PIN_DIGITS = 6;

/** Step one of joining: a display name and a PIN; creates the key in this browser and locks it. */
export function KeySetupForm({
  hotline,
  defaultName,
  onCreated,
}: {
  hotline: string;
  defaultName?: string;
  onCreated: (result: {
    secretKey: Uint8Array;
    displayName: string;
    backup: KeyBackup;
    recoveryKey: string;
  }) => void;
}) {
  const { t } = useTranslation();
  const [displayName, setDisplayName] = useState(defaultName ?? '');
  const [pin, setPin] = useState('');
  const [pin2, setPin2] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!/^\d+$/.test(pin) || pin.length < MIN_PIN_DIGITS)
      return setError(t('keySetup.pinTooShort', { count: MIN_PIN_DIGITS }));
    if (pin !== pin2) return setError(t('keySetup.pinMismatch'));
    setError(null);
    setBusy(true);
    try {
      const secretKey = generateSecretKey();
      const { backup, recoveryKey } = await createVault(secretKey, pin, hotline);
      onCreated({ secretKey, displayName: displayName.trim(), backup, recoveryKey });
    } catch (e) {
      setError(t('errors.unknown', { message: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-describedby="key-setup-help">
      <p id="key-setup-help">{t('keySetup.help')}</p>
      <label htmlFor="display-name">{t('keySetup.displayName')}</label>
      <input
        id="display-name"
        required
        maxLength={80}
        value={displayName}
        onChange={(e) => setDisplayName(e.target.value)}
      />
      <label htmlFor="pin">{t('keySetup.pin')}</label>
      <input
        id="pin"
        type="password"
        inputMode="numeric"
        autoComplete="new-password"
        required
        value={pin}
        onChange={(e) => setPin(e.target.value)}
      />
      <label htmlFor="pin2">{t('keySetup.pinAgain')}</label>
      <input
        id="pin2"
        type="password"
        inputMode="numeric"
        autoComplete="new-password"
        required
        value={pin2}
        onChange={(e) => setPin2(e.target.value)}
      />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p>
        <button type="submit" disabled={busy}>
          {busy ? t('keySetup.creating') : t('keySetup.create')}
        </button>
      </p>
    </form>
  );
}

/** Triggers a download of the encrypted key backup. */
export function downloadBackup(backup: KeyBackup): void {
  const blob = new Blob([`${JSON.stringify(backup, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `llamenos-key-backup-${backup.keyId.slice(0, 8)}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Step two: the recovery key is shown once and the backup file must be saved before going on. */
export function RecoveryStep({
  recoveryKey,
  backup,
  onDone,
}: {
  recoveryKey: string;
  backup: KeyBackup;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [saved, setSaved] = useState(false);
  const [confirmed, setConfirmed] = useState(false);
  return (
    <section aria-labelledby="recovery-title">
      <h2 id="recovery-title">{t('recovery.title')}</h2>
      <p>{t('recovery.explain')}</p>
      <p className="recovery-key" data-testid="recovery-key">
        {recoveryKey}
      </p>
      <p>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            downloadBackup(backup);
            setSaved(true);
          }}
        >
          {t('recovery.download')}
        </button>
      </p>
      <label className="checkbox">
        <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
        {t('recovery.confirm')}
      </label>
      <p>
        <button type="button" disabled={!saved || !confirmed} onClick={onDone}>
          {t('recovery.continue')}
        </button>
      </p>
    </section>
  );
}
