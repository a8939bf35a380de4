import { CryptoError } from '@llamenos/crypto';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PublicConfig } from '../app/App.js';
import { navigate } from '../app/router.js';
import { loadMe } from '../app/session.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { MIN_PIN_DIGITS } from '../components/KeySetup.js';
import {
  BackupError,
  type KeyBackup,
  parseBackup,
  restoreWithPin,
  restoreWithRecoveryKey,
} from '../lib/vault.js';

/** Restore a key on a new device from the backup file, with the recovery key (and a new PIN) or the old PIN. */
export function RestorePage({ config }: { config: PublicConfig }) {
  const { t } = useTranslation();
  const [backup, setBackup] = useState<KeyBackup | null>(null);
  const [method, setMethod] = useState<'recovery' | 'pin'>('recovery');
  const [recoveryKey, setRecoveryKey] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function chooseFile(file: File | undefined) {
    setError(null);
    setBackup(null);
    if (!file) return;
    try {
      setBackup(parseBackup(await file.text(), config.publicUrl));
    } catch (e) {
      setError(e instanceof BackupError ? new Error(t(`restore.${e.reason}`)) : e);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!backup) return;
    if (!/^\d+$/.test(pin) || pin.length < MIN_PIN_DIGITS) {
      if (method === 'recovery')
        return setError(new Error(t('keySetup.pinTooShort', { count: MIN_PIN_DIGITS })));
    }
    setBusy(true);
    setError(null);
    try {
      if (method === 'recovery') await restoreWithRecoveryKey(backup, recoveryKey, pin);
      else await restoreWithPin(backup, pin);
      await loadMe();
      navigate('/', true);
    } catch (e) {
      if (e instanceof BackupError) setError(new Error(t(`restore.${e.reason}`)));
      // A PIN lock cannot tell a wrong PIN from an altered file; say both.
      else if (e instanceof CryptoError && e.code === 'WRONG_PIN') setError(new Error(t('restore.wrongPin')));
      else setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1>{t('restore.title')}</h1>
      <form onSubmit={submit}>
        <label htmlFor="backup-file">{t('restore.file')}</label>
        <input
          id="backup-file"
          type="file"
          accept="application/json,.json"
          onChange={(e) => chooseFile(e.target.files?.[0])}
        />
        {backup && (
          <fieldset>
            <legend>{t('restore.method')}</legend>
            <label className="checkbox">
              <input
                type="radio"
                name="method"
                checked={method === 'recovery'}
                onChange={() => setMethod('recovery')}
              />
              {t('restore.withRecoveryKey')}
            </label>
            <label className="checkbox">
              <input
                type="radio"
                name="method"
                checked={method === 'pin'}
                onChange={() => setMethod('pin')}
              />
              {t('restore.withPin')}
            </label>
            {method === 'recovery' && (
              <>
                <label htmlFor="recovery-key">{t('restore.recoveryKey')}</label>
                <input
                  id="recovery-key"
                  autoComplete="off"
                  required
                  value={recoveryKey}
                  onChange={(e) => setRecoveryKey(e.target.value)}
                />
              </>
            )}
            <label htmlFor="restore-pin">
              {method === 'recovery' ? t('restore.newPin') : t('unlock.pin')}
            </label>
            <input
              id="restore-pin"
              type="password"
              inputMode="numeric"
              required
              value={pin}
              onChange={(e) => setPin(e.target.value)}
            />
          </fieldset>
        )}
        <ErrorMessage error={error} />
        <p>
          <button type="submit" disabled={!backup || busy}>
            {t('restore.submit')}
          </button>
        </p>
      </form>
    </section>
  );
}
