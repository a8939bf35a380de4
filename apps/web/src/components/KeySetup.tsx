import { zodResolver } from '@hookform/resolvers/zod';
import { generateSecretKey } from '@llamenos/crypto';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { createVault, type KeyBackup } from '../lib/vault.js';
import { ErrorMessage } from './ErrorMessage.js';
import { MIN_PIN_DIGITS, newPinSchema, PinField } from './PinField.js';
import { SubmitButton } from './SubmitButton.js';
import { useSubmit } from './useSubmit.js';

const keySetupSchema = (t: TFunction) =>
  z
    .object({
      displayName: z.string().transform((name) => name.trim()),
      pin: newPinSchema(t('keySetup.pinTooShort', { count: MIN_PIN_DIGITS })),
      pin2: z.string(),
    })
    .refine((v) => v.pin === v.pin2, { path: ['pin2'], message: t('keySetup.pinMismatch') });
type KeySetupValues = z.input<ReturnType<typeof keySetupSchema>>;

export interface CreatedKey {
  secretKey: Uint8Array;
  displayName: string;
  backup: KeyBackup;
  recoveryKey: string;
}

/** Step one of joining: a display name and a PIN; creates the key in this browser and locks it. */
export function KeySetupForm({
  hotline,
  defaultName,
  onCreated,
}: {
  hotline: string;
  defaultName?: string;
  onCreated: (result: CreatedKey) => void;
}) {
  const { t } = useTranslation();
  const form = useForm<KeySetupValues, unknown, z.output<ReturnType<typeof keySetupSchema>>>({
    resolver: zodResolver(keySetupSchema(t)),
    reValidateMode: 'onSubmit',
    defaultValues: { displayName: defaultName ?? '', pin: '', pin2: '' },
  });
  const { errors } = form.formState;
  const problem = errors.pin?.message ?? errors.pin2?.message;
  const create = useSubmit(async ({ displayName, pin }: { displayName: string; pin: string }) => {
    const secretKey = generateSecretKey();
    const { backup, recoveryKey } = await createVault(secretKey, pin, hotline);
    onCreated({ secretKey, displayName, backup, recoveryKey });
  });

  return (
    <form onSubmit={form.handleSubmit(create.run)} aria-describedby="key-setup-help">
      <p id="key-setup-help">{t('keySetup.help')}</p>
      <label htmlFor="display-name">{t('keySetup.displayName')}</label>
      <input id="display-name" required maxLength={80} {...form.register('displayName')} />
      <PinField id="pin" caption={t('keySetup.pin')} autoComplete="new-password" {...form.register('pin')} />
      <PinField
        id="pin2"
        caption={t('keySetup.pinAgain')}
        autoComplete="new-password"
        {...form.register('pin2')}
      />
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      <ErrorMessage error={create.error} />
      <p>
        <SubmitButton busy={create.busy} action={t('keySetup.create')} busyAction={t('keySetup.creating')} />
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

/**
 * Step two: the recovery key is shown once and the backup file must be saved before going on.
 * Resumed after a reload, the key is not shown again (it is kept nowhere): the one written
 * down still opens this backup, and starting over with a new key is the way out for whoever
 * lost it.
 */
export function RecoveryStep({
  recoveryKey,
  backup,
  onDone,
  onStartOver,
}: {
  recoveryKey?: string;
  backup: KeyBackup;
  onDone: () => void;
  onStartOver?: () => void;
}) {
  const { t } = useTranslation();
  const [saved, setSaved] = useState(false);
  const [confirmed, setConfirmed] = useState(false);
  return (
    <section aria-labelledby="recovery-title">
      <h2 id="recovery-title">{t('recovery.title')}</h2>
      {recoveryKey ? (
        <>
          <p>{t('recovery.explain')}</p>
          <p className="recovery-key" data-testid="recovery-key">
            {recoveryKey}
          </p>
        </>
      ) : (
        <p data-testid="recovery-resumed">{t('recovery.resumed')}</p>
      )}
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
      {onStartOver && <StartOver onClick={onStartOver} />}
    </section>
  );
}

/** Joining again from the start: this device forgets the step it had reached. */
export function StartOver({ onClick }: { onClick: () => void }) {
  const { t } = useTranslation();
  return (
    <p>
      <button type="button" className="secondary" onClick={onClick}>
        {t('join.startOver')}
      </button>
    </p>
  );
}
