import { CryptoError } from '@llamenos/crypto';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { RecoveryStep } from '../../components/KeySetup.js';
import { useSubmit } from '../../components/useSubmit.js';
import { createVault, type KeyBackup, readVault, unlockVault, VaultLockedOut } from '../../lib/vault.js';

/**
 * A lost backup file cannot be downloaded again: only the PIN-locked copy is on this device, and
 * the recovery lock needs the recovery key. So the member proves the PIN, and a new recovery key
 * and backup are made from the key it unlocks.
 */
export function RecoverySection({ hotline }: { hotline: string }) {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [result, setResult] = useState<{ backup: KeyBackup; recoveryKey: string } | null>(null);
  const [done, setDone] = useState(false);

  const renew = useSubmit(
    async () => {
      setMessage(null);
      setDone(false);
      try {
        const secretKey = await unlockVault(pin);
        setResult(await createVault(secretKey, pin, hotline));
      } finally {
        setPin('');
      }
    },
    {
      // A wrong PIN and a lock-out are said in the form's own words, counted as the unlock page does.
      onError: (e) => {
        if (e instanceof VaultLockedOut)
          setMessage(t('unlock.lockedOut', { seconds: Math.ceil((e.retryAt - Date.now()) / 1000) }));
        else if (e instanceof CryptoError && e.code === 'WRONG_PIN')
          setMessage(t('unlock.wrongPin', { count: readVault()?.failures ?? 1 }));
        else return e;
        return null;
      },
    },
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void renew.run();
  };

  return (
    <section className="panel" aria-labelledby="new-recovery-title">
      <h2 id="new-recovery-title">{t('newRecovery.title')}</h2>
      {result ? (
        <RecoveryStep
          recoveryKey={result.recoveryKey}
          backup={result.backup}
          onDone={() => {
            setResult(null);
            setDone(true);
          }}
        />
      ) : (
        <form onSubmit={submit}>
          <p>{t('newRecovery.explain')}</p>
          <p className="hint">{t('newRecovery.oldStillWorks')}</p>
          <label htmlFor="new-recovery-pin">{t('newRecovery.pin')}</label>
          <input
            id="new-recovery-pin"
            type="password"
            inputMode="numeric"
            autoComplete="current-password"
            required
            value={pin}
            onChange={(e) => setPin(e.target.value)}
          />
          {message && (
            <p role="alert" className="error">
              {message}
            </p>
          )}
          <ErrorMessage error={renew.error} />
          <p role="status" className="success">
            {done ? t('newRecovery.done') : ''}
          </p>
          <p>
            <button type="submit" disabled={renew.busy}>
              {renew.busy ? t('newRecovery.working') : t('newRecovery.create')}
            </button>
          </p>
        </form>
      )}
    </section>
  );
}
