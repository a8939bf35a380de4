import { useTranslation } from 'react-i18next';
import { loadMe } from '../app/session.js';
import { PasskeySignIn } from '../components/PasskeySignIn.js';
import { PinUnlockForm } from '../components/PinUnlockForm.js';

/** The PIN prompt shown whenever this device holds a locked key. */
export function UnlockPage() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('unlock.title')}</h1>
      <PinUnlockForm id="unlock-pin" action={t('unlock.submit')} onUnlocked={() => loadMe()} showLockout />
      <PasskeySignIn />
      <p>
        <a href="/restore">{t('home.restore')}</a>
      </p>
    </section>
  );
}
