import { CryptoError } from '@llamenos/crypto';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { loadMe } from '../app/session.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { PasskeySignIn } from '../components/PasskeySignIn.js';
import { PinField } from '../components/PinField.js';
import { pinRefusal } from '../components/pinRefusal.js';
import { SubmitButton } from '../components/SubmitButton.js';
import { useSubmit } from '../components/useSubmit.js';
import { readVault, unlockVault } from '../lib/vault.js';

/** Seconds until a lock-out ends, counting down once a second while it lasts. */
function useLockoutSeconds(): { seconds: number; refresh: () => void } {
  const [now, setNow] = useState(Date.now());
  const lockedUntil = readVault()?.lockedUntil ?? 0;
  useEffect(() => {
    if (lockedUntil <= now) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [lockedUntil, now]);
  return { seconds: Math.ceil((lockedUntil - now) / 1000), refresh: () => setNow(Date.now()) };
}

/** The PIN prompt shown whenever this device holds a locked key. */
export function UnlockPage() {
  const { t } = useTranslation();
  const form = useForm({ defaultValues: { pin: '' } });
  const [message, setMessage] = useState<string | null>(null);
  const lockout = useLockoutSeconds();
  const unlock = useSubmit(
    async ({ pin }: { pin: string }) => {
      setMessage(null);
      await unlockVault(pin);
      await loadMe();
    },
    {
      // A wrong PIN or a lock-out is said in a sentence of its own; anything else is an error.
      onError: (e) => {
        form.setValue('pin', '');
        const refused = pinRefusal(e, t);
        setMessage(refused);
        // A wrong PIN counts towards the lock-out shown under the form.
        if (e instanceof CryptoError && e.code === 'WRONG_PIN') lockout.refresh();
        return refused ? null : e;
      },
    },
  );

  return (
    <section>
      <h1>{t('unlock.title')}</h1>
      <form onSubmit={form.handleSubmit(unlock.run)}>
        <PinField
          id="unlock-pin"
          caption={t('unlock.pin')}
          autoComplete="current-password"
          {...form.register('pin')}
        />
        {message && (
          <p role="alert" className="error">
            {message}
          </p>
        )}
        {lockout.seconds > 0 && <p role="status">{t('unlock.wait', { seconds: lockout.seconds })}</p>}
        <ErrorMessage error={unlock.error} />
        <p>
          <SubmitButton
            busy={unlock.busy}
            action={t('unlock.submit')}
            busyAction={t('unlock.unlocking')}
            disabled={lockout.seconds > 0}
          />
        </p>
      </form>
      <PasskeySignIn />
      <p>
        <a href="/restore">{t('home.restore')}</a>
      </p>
    </section>
  );
}
