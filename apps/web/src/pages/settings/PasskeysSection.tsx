import type { PasskeySummary } from '@llamenos/protocol';
import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useConfirmRemoval } from '../../components/ConfirmDialog.js';
import { RowAction } from '../../components/DataTable.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { Panel } from '../../components/Panel.js';
import { FormActions } from '../../components/SubmitButton.js';
import { userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { finishPasskeyRegistration, removePasskey, startPasskeyRegistration } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';

/** Passkeys let a member sign in on a device without their key file; the hotline may require one. */
export function PasskeysSection() {
  const { t } = useTranslation();
  const passkeys = useQuery(queries.passkeys());
  const reload = () => void passkeys.refetch();
  const removal = useConfirmRemoval({
    remove: (passkey: PasskeySummary) => removePasskey(passkey.id).then(reload),
    title: (passkey) => userTextIn(t, 'passkeys.removeTitle', { label: passkey.label }),
    message: t('passkeys.removeExplain'),
    confirmLabel: t('passkeys.remove'),
  });

  return (
    <Panel id="passkeys-title" title={t('passkeys.title')}>
      <p className="hint">{t('passkeys.help')}</p>
      <ErrorMessage error={passkeys.error} />
      {passkeys.data && <PasskeyList passkeys={passkeys.data} onRemove={removal.ask} />}
      {browserSupportsWebAuthn() ? (
        <AddPasskeyForm onAdded={reload} />
      ) : (
        <p className="hint">{t('passkeys.unsupported')}</p>
      )}
      {removal.dialog}
    </Panel>
  );
}

/** Each passkey by the name its member gave it, when it was added and last used. */
function PasskeyList({
  passkeys,
  onRemove,
}: {
  passkeys: PasskeySummary[];
  onRemove: (passkey: PasskeySummary) => void;
}) {
  const { t, i18n } = useTranslation();
  if (passkeys.length === 0) return <EmptyState>{t('passkeys.none')}</EmptyState>;
  return (
    <ul className="item-list">
      {passkeys.map((p) => (
        <li key={p.id}>
          <div>
            <strong dir="auto">{p.label}</strong>
            <p className="hint">
              {t('passkeys.added', { date: formatDateTime(p.createdAt, i18n.language) })}
              {' · '}
              {p.lastUsedAt
                ? t('passkeys.lastUsed', { date: formatDateTime(p.lastUsedAt, i18n.language) })
                : t('passkeys.neverUsed')}
            </p>
          </div>
          <RowAction action={t('passkeys.remove')} item={p.label} danger onClick={() => onRemove(p)} />
        </li>
      ))}
    </ul>
  );
}

/** Registers a passkey on this device under a name the member chooses. */
function AddPasskeyForm({ onAdded }: { onAdded: () => void }) {
  const { t } = useTranslation();
  const [label, setLabel] = useState('');
  const [added, setAdded] = useState<string | null>(null);
  const register = useSubmit(
    async () => {
      setAdded(null);
      const { challengeId, options } = await startPasskeyRegistration();
      const response = await startRegistration({ optionsJSON: options });
      const name = label.trim() || t('passkeys.defaultLabel');
      await finishPasskeyRegistration(challengeId, response, name);
      setAdded(name);
      setLabel('');
      onAdded();
    },
    {
      // The browser's own errors (cancelled prompt, no authenticator) have no API code.
      onError: (e) =>
        e instanceof Error && e.name === 'NotAllowedError' ? new Error(t('passkeys.cancelled')) : e,
    },
  );
  const add = (event: FormEvent) => {
    event.preventDefault();
    void register.run();
  };

  return (
    <form onSubmit={add}>
      <label htmlFor="passkey-label">{t('passkeys.label')}</label>
      <input
        id="passkey-label"
        maxLength={64}
        placeholder={t('passkeys.labelExample')}
        value={label}
        onChange={(e) => setLabel(e.target.value)}
      />
      <FormActions
        submit={register}
        action={t('passkeys.add')}
        busyAction={t('passkeys.adding')}
        status={added ? t('passkeys.addedOk', { label: added }) : ''}
      />
    </form>
  );
}
