import { CryptoError } from '@llamenos/crypto';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadMe } from '../app/session.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { PasskeySignIn } from '../components/PasskeySignIn.js';
import { readVault, unlockVault, VaultLockedOut } from '../lib/vault.js';

/** The PIN prompt shown whenever this device holds a locked key. */
export function UnlockPage() {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(Date.now());
  const lockedUntil = readVault()?.lockedUntil ?? 0;

  useEffect(() => {
    if (lockedUntil <= now) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [lockedUntil, now]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    setError(null);
    try {
      await unlockVault(pin);
      await loadMe();
    } catch (e) {
      setPin('');
      if (e instanceof VaultLockedOut)
        setMessage(t('unlock.lockedOut', { seconds: Math.ceil((e.retryAt - Date.now()) / 1000) }));
      else if (e instanceof CryptoError && e.code === 'WRONG_PIN') {
        const vault = readVault();
        setMessage(t('unlock.wrongPin', { count: vault?.failures ?? 1 }));
        setNow(Date.now());
      } else setError(e);
    } finally {
      setBusy(false);
    }
  }

  const waitSeconds = Math.ceil((lockedUntil - now) / 1000);
  return (
    <section>
      <h1>{t('unlock.title')}</h1>
      <form onSubmit={submit}>
        <label htmlFor="unlock-pin">{t('unlock.pin')}</label>
        <input
          id="unlock-pin"
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
        {waitSeconds > 0 && <p role="status">{t('unlock.wait', { seconds: waitSeconds })}</p>}
        <ErrorMessage error={error} />
        <p>
          <button type="submit" disabled={busy || waitSeconds > 0}>
            {busy ? t('unlock.unlocking') : t('unlock.submit')}
          </button>
        </p>
      </form>
      <PasskeySignIn />
      <p>
        <a href="/restore">{t('home.restore')}</a>
      </p>
    </section>
  );
}
