import { zodResolver } from '@hookform/resolvers/zod';
import { CryptoError } from '@llamenos/crypto';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { type UseFormReturn, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import type { PublicConfig } from '../app/App.js';
import { navigate } from '../app/router.js';
import { loadMe } from '../app/session.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { MIN_PIN_DIGITS, newPinSchema, PinField } from '../components/PinField.js';
import { SubmitButton } from '../components/SubmitButton.js';
import { useSubmit } from '../components/useSubmit.js';
import {
  BackupError,
  type KeyBackup,
  parseBackup,
  restoreWithPin,
  restoreWithRecoveryKey,
} from '../lib/vault.js';

/** With the recovery key a new PIN is chosen, held to the new-PIN rule; the old PIN is taken as it is. */
const restoreSchema = (t: TFunction) => {
  const newPin = newPinSchema(t('keySetup.pinTooShort', { count: MIN_PIN_DIGITS }));
  return z
    .object({ method: z.enum(['recovery', 'pin']), recoveryKey: z.string(), pin: z.string() })
    .superRefine((v, ctx) => {
      if (v.method !== 'recovery') return;
      const problem = newPin.safeParse(v.pin).error?.issues[0];
      if (problem) ctx.addIssue({ code: 'custom', path: ['pin'], message: problem.message });
    });
};
type RestoreValues = z.infer<ReturnType<typeof restoreSchema>>;

/** A backup or PIN failure in the member's words. */
function restoreProblem(e: unknown, t: TFunction): unknown {
  if (e instanceof BackupError) return new Error(t(`restore.${e.reason}`));
  // A PIN lock cannot tell a wrong PIN from an altered file; say both.
  if (e instanceof CryptoError && e.code === 'WRONG_PIN') return new Error(t('restore.wrongPin'));
  return e;
}

/** Restore a key on a new device from the backup file, with the recovery key (and a new PIN) or the old PIN. */
export function RestorePage({ config }: { config: PublicConfig }) {
  const { t } = useTranslation();
  const [backup, setBackup] = useState<KeyBackup | null>(null);
  const [fileError, setFileError] = useState<unknown>(null);
  const form = useForm<RestoreValues>({
    resolver: zodResolver(restoreSchema(t)),
    reValidateMode: 'onSubmit',
    defaultValues: { method: 'recovery', recoveryKey: '', pin: '' },
  });
  const restore = useSubmit(
    async ({ method, recoveryKey, pin }: RestoreValues) => {
      if (!backup) return;
      if (method === 'recovery') await restoreWithRecoveryKey(backup, recoveryKey, pin);
      else await restoreWithPin(backup, pin);
      await loadMe();
      navigate('/', true);
    },
    { onError: (e) => restoreProblem(e, t) },
  );
  const pinProblem = form.formState.errors.pin?.message;

  async function chooseFile(file: File | undefined) {
    setFileError(null);
    restore.setError(null);
    setBackup(null);
    if (!file) return;
    try {
      setBackup(parseBackup(await file.text(), config.publicUrl));
    } catch (e) {
      setFileError(restoreProblem(e, t));
    }
  }

  return (
    <section>
      <h1>{t('restore.title')}</h1>
      <form onSubmit={form.handleSubmit(restore.run)}>
        <label htmlFor="backup-file">{t('restore.file')}</label>
        <input
          id="backup-file"
          type="file"
          accept="application/json,.json"
          onChange={(e) => chooseFile(e.target.files?.[0])}
        />
        {backup && <UnlockChoice form={form} />}
        <ErrorMessage error={fileError ?? (pinProblem ? new Error(pinProblem) : restore.error)} />
        <p>
          <SubmitButton busy={restore.busy} action={t('restore.submit')} disabled={!backup} />
        </p>
      </form>
    </section>
  );
}

/** How the backup is unlocked: the recovery key and a new PIN, or the old PIN. */
function UnlockChoice({ form }: { form: UseFormReturn<RestoreValues> }) {
  const { t } = useTranslation();
  const method = form.watch('method');
  return (
    <fieldset>
      <legend>{t('restore.method')}</legend>
      <label className="checkbox">
        <input type="radio" value="recovery" {...form.register('method')} />
        {t('restore.withRecoveryKey')}
      </label>
      <label className="checkbox">
        <input type="radio" value="pin" {...form.register('method')} />
        {t('restore.withPin')}
      </label>
      {method === 'recovery' && (
        <>
          <label htmlFor="recovery-key">{t('restore.recoveryKey')}</label>
          <input id="recovery-key" autoComplete="off" required {...form.register('recoveryKey')} />
        </>
      )}
      <PinField
        id="restore-pin"
        caption={method === 'recovery' ? t('restore.newPin') : t('unlock.pin')}
        {...form.register('pin')}
      />
    </fieldset>
  );
}
