import type { PasskeySummary } from '@llamenos/protocol';
import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from '../../components/ActionError.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { finishPasskeyRegistration, removePasskey, startPasskeyRegistration } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';

/** Passkeys let a member sign in on a device without their key file; the hotline may require one. */
export function PasskeysSection() {
  const { t, i18n } = useTranslation();
  const passkeys = useQuery(queries.passkeys());
  const [label, setLabel] = useState('');
  const [added, setAdded] = useState<string | null>(null);
  const [removing, setRemoving] = useState<PasskeySummary | null>(null);
  const supported = browserSupportsWebAuthn();

  const register = useSubmit(
    async () => {
      setAdded(null);
      const { challengeId, options } = await startPasskeyRegistration();
      const response = await startRegistration({ optionsJSON: options });
      const name = label.trim() || t('passkeys.defaultLabel');
      await finishPasskeyRegistration(challengeId, response, name);
      setAdded(name);
      setLabel('');
      void passkeys.refetch();
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
    <section className="panel" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">{t('passkeys.title')}</h2>
      <p className="hint">{t('passkeys.help')}</p>
      <ErrorMessage error={passkeys.error} />
      {passkeys.data && passkeys.data.length === 0 && <p>{t('passkeys.none')}</p>}
      {passkeys.data && passkeys.data.length > 0 && (
        <ul className="item-list">
          {passkeys.data.map((p) => (
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
              <button type="button" className="secondary danger-text" onClick={() => setRemoving(p)}>
                {t('passkeys.remove')}
                <span className="visually-hidden"> {p.label}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {supported ? (
        <form onSubmit={add}>
          <label htmlFor="passkey-label">{t('passkeys.label')}</label>
          <input
            id="passkey-label"
            maxLength={64}
            placeholder={t('passkeys.labelExample')}
            value={label}
            onChange={(e) => setLabel(e.target.value)}
          />
          <ActionError error={register.error} />
          <p role="status" className="success">
            {added ? t('passkeys.addedOk', { label: added }) : ''}
          </p>
          <p>
            <button type="submit" disabled={register.busy}>
              {register.busy ? t('passkeys.adding') : t('passkeys.add')}
            </button>
          </p>
        </form>
      ) : (
        <p className="hint">{t('passkeys.unsupported')}</p>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={userTextIn(t, 'passkeys.removeTitle', { label: removing?.label })}
        message={t('passkeys.removeExplain')}
        confirmLabel={t('passkeys.remove')}
        danger
        onConfirm={async () => {
          if (!removing) return;
          await removePasskey(removing.id);
          void passkeys.refetch();
        }}
        onClose={() => setRemoving(null)}
      />
    </section>
  );
}
