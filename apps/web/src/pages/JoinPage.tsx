import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PublicConfig } from '../app/App.js';
import { navigate, takeFragment } from '../app/router.js';
import { loadMe } from '../app/session.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { KeySetupForm, RecoveryStep } from '../components/KeySetup.js';
import { userTextIn } from '../components/UserText.js';
import { ApiRequestError, previewInvite, registerKey } from '../lib/api/index.js';
import type { KeyBackup } from '../lib/vault.js';

type Step =
  | { name: 'checking' }
  | { name: 'setup' }
  | { name: 'recovery'; secretKey: Uint8Array; displayName: string; backup: KeyBackup; recoveryKey: string }
  | { name: 'registering'; secretKey: Uint8Array; displayName: string }
  | { name: 'failed'; error: unknown; retry?: { secretKey: Uint8Array; displayName: string } };

/** Another link pasted into this tab changes only the fragment, which reloads nothing: start over with it. */
function useRestartOnNewLink() {
  useEffect(() => {
    const onHashChange = () => {
      const code = location.hash.slice(1);
      // In-page links (the skip link's #main) change the fragment too; those are not codes.
      if (code && !document.getElementById(code)) location.reload();
    };
    addEventListener('hashchange', onHashChange);
    return () => removeEventListener('hashchange', onHashChange);
  }, []);
}

/**
 * Joining the hotline: the first admin (bootstrap link) or a new member (invite link).
 * The key is made and locked in this browser, the backup saved, and only then is the
 * public key registered, by a request signed with the new key.
 */
export function JoinPage({ config, kind }: { config: PublicConfig; kind: 'bootstrap' | 'invite' }) {
  const { t } = useTranslation();
  const [token] = useState(() => takeFragment());
  const [preview, setPreview] = useState<{ displayName: string } | null>(null);
  const [step, setStep] = useState<Step>(kind === 'invite' ? { name: 'checking' } : { name: 'setup' });

  useEffect(() => {
    if (kind !== 'invite') return;
    if (!token) return setStep({ name: 'failed', error: new Error(t('join.noCode')) });
    previewInvite(token).then(
      (p) => {
        setPreview(p);
        setStep({ name: 'setup' });
      },
      (error) =>
        setStep({
          name: 'failed',
          // An edited, used, withdrawn or expired code: one plain sentence, not the server's wording.
          error:
            error instanceof ApiRequestError && [400, 404, 410].includes(error.status)
              ? new Error(t('join.invalidLink'))
              : error,
        }),
    );
  }, [kind, token, t]);

  useRestartOnNewLink();

  async function register(secretKey: Uint8Array, displayName: string) {
    setStep({ name: 'registering', secretKey, displayName });
    try {
      await registerKey(kind, { token, displayName }, secretKey);
      await loadMe();
      navigate('/', true);
    } catch (error) {
      setStep({ name: 'failed', error, retry: { secretKey, displayName } });
    }
  }

  if (kind === 'bootstrap' && !token) return <p className="error">{t('join.noCode')}</p>;
  return (
    <section>
      <h1>
        {kind === 'bootstrap'
          ? t('join.bootstrapTitle')
          : userTextIn(t, 'join.inviteTitle', { hotline: config.hotlineName ?? 'Llamenos' })}
      </h1>
      {step.name === 'checking' && <p aria-busy="true">{t('app.loading')}</p>}
      {step.name === 'setup' && (
        <KeySetupForm
          hotline={config.publicUrl}
          defaultName={preview?.displayName}
          onCreated={(created) => setStep({ name: 'recovery', ...created })}
        />
      )}
      {step.name === 'recovery' && (
        <RecoveryStep
          recoveryKey={step.recoveryKey}
          backup={step.backup}
          onDone={() => register(step.secretKey, step.displayName)}
        />
      )}
      {step.name === 'registering' && <p aria-busy="true">{t('join.registering')}</p>}
      {step.name === 'failed' && (
        <>
          <ErrorMessage error={step.error} />
          {step.retry && (
            <button
              type="button"
              onClick={() => step.retry && register(step.retry.secretKey, step.retry.displayName)}
            >
              {t('join.retry')}
            </button>
          )}
        </>
      )}
    </section>
  );
}
