import { CryptoError } from '@llamenos/crypto';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { readVault, unlockVault } from '../lib/vault.js';
import { ErrorMessage } from './ErrorMessage.js';
import { PinField } from './PinField.js';
import { pinRefusal } from './pinRefusal.js';
import { SubmitButton } from './SubmitButton.js';
import { useSubmit } from './useSubmit.js';

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

/**
 * The PIN prompt that opens this device's stored key. A wrong PIN or a lock-out is said in a
 * sentence of its own; anything else is an error. With `showLockout`, the time left of a
 * lock-out is counted down under the form and the button waits for it.
 */
export function PinUnlockForm({
  id,
  action,
  onUnlocked,
  showLockout = false,
}: {
  id: string;
  action: string;
  onUnlocked: (key: Uint8Array) => unknown;
  showLockout?: boolean;
}) {
  const { t } = useTranslation();
  const form = useForm({ defaultValues: { pin: '' } });
  const [message, setMessage] = useState<string | null>(null);
  const lockout = useLockoutSeconds();
  const lockedSeconds = showLockout ? lockout.seconds : 0;
  const unlock = useSubmit(
    async ({ pin }: { pin: string }) => {
      setMessage(null);
      await onUnlocked(await unlockVault(pin));
    },
    {
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
    <form onSubmit={form.handleSubmit(unlock.run)}>
      <PinField id={id} caption={t('unlock.pin')} autoComplete="current-password" {...form.register('pin')} />
      {message && (
        <p role="alert" className="error">
          {message}
        </p>
      )}
      {lockedSeconds > 0 && <p role="status">{t('unlock.wait', { seconds: lockedSeconds })}</p>}
      <ErrorMessage error={unlock.error} />
      <p>
        <SubmitButton
          busy={unlock.busy}
          action={action}
          busyAction={t('unlock.unlocking')}
          disabled={lockedSeconds > 0}
        />
      </p>
    </form>
  );
}
