import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RecoveryStep } from '../../components/KeySetup.js';
import { Panel } from '../../components/Panel.js';
import { PinField } from '../../components/PinField.js';
import { pinRefusal } from '../../components/pinRefusal.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { createVault, type KeyBackup, unlockVault } from '../../lib/vault.js';

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
        const refused = pinRefusal(e, t);
        setMessage(refused);
        return refused ? null : e;
      },
    },
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void renew.run();
  };

  return (
    <Panel id="new-recovery-title" title={t('newRecovery.title')}>
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
          <PinField
            id="new-recovery-pin"
            caption={t('newRecovery.pin')}
            autoComplete="current-password"
            value={pin}
            onChange={(e) => setPin(e.target.value)}
          />
          {message && (
            <p role="alert" className="error">
              {message}
            </p>
          )}
          <FormActions
            submit={renew}
            action={t('newRecovery.create')}
            busyAction={t('newRecovery.working')}
            status={done ? t('newRecovery.done') : ''}
          />
        </form>
      )}
    </Panel>
  );
}
