import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { signInWithSession } from '../app/session.js';
import { finishPasskeyLogin, startPasskeyLogin } from '../lib/api/index.js';
import { ErrorMessage } from './ErrorMessage.js';

/**
 * Sign in with a passkey (discoverable credential): the member gets a server session and can
 * use the API, but encrypted content stays closed until the key is unlocked with the PIN.
 * The WebAuthn helper is loaded on click, so it never weighs on the first page load.
 */
export function PasskeySignIn() {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (typeof PublicKeyCredential === 'undefined') return null;

  async function signIn() {
    setBusy(true);
    setError(null);
    try {
      const { startAuthentication } = await import('@simplewebauthn/browser');
      const { challengeId, options } = await startPasskeyLogin();
      const response = await startAuthentication({ optionsJSON: options });
      const result = await finishPasskeyLogin(challengeId, response);
      await signInWithSession(result.token);
    } catch (e) {
      // The browser's own errors (cancelled prompt, no matching passkey) have no API code.
      setError(
        e instanceof Error && e.name === 'NotAllowedError' ? new Error(t('passkeySignIn.cancelled')) : e,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="panel">
      <p className="hint">{t('passkeySignIn.help')}</p>
      <button type="button" className="secondary" disabled={busy} onClick={signIn}>
        {busy ? t('passkeySignIn.working') : t('passkeySignIn.button')}
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}
