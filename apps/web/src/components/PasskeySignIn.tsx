import { useTranslation } from 'react-i18next';
import { signInWithSession } from '../app/session.js';
import { finishPasskeyLogin, startPasskeyLogin } from '../lib/api/index.js';
import { ErrorMessage } from './ErrorMessage.js';
import { ActionButton } from './SubmitButton.js';
import { useSubmit } from './useSubmit.js';

/**
 * Sign in with a passkey (discoverable credential): the member gets a server session and can
 * use the API, but encrypted content stays closed until the key is unlocked with the PIN.
 * The WebAuthn helper is loaded on click, so it never weighs on the first page load.
 */
export function PasskeySignIn() {
  const { t } = useTranslation();
  const signIn = useSubmit(
    async () => {
      const { startAuthentication } = await import('@simplewebauthn/browser');
      const { challengeId, options } = await startPasskeyLogin();
      const response = await startAuthentication({ optionsJSON: options });
      const result = await finishPasskeyLogin(challengeId, response);
      await signInWithSession(result.token);
    },
    {
      // The browser's own errors (cancelled prompt, no matching passkey) have no API code.
      onError: (e) =>
        e instanceof Error && e.name === 'NotAllowedError' ? new Error(t('passkeySignIn.cancelled')) : e,
    },
  );
  if (typeof PublicKeyCredential === 'undefined') return null;

  return (
    <div className="panel">
      <p className="hint">{t('passkeySignIn.help')}</p>
      <ActionButton
        busy={signIn.busy}
        className="secondary"
        busyAction={t('passkeySignIn.working')}
        onClick={signIn.run}
      >
        {t('passkeySignIn.button')}
      </ActionButton>
      <ErrorMessage error={signIn.error} />
    </div>
  );
}
