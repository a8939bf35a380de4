import { useTranslation } from 'react-i18next';
import type { PublicConfig } from '../app/App.js';
import { PasskeySignIn } from '../components/PasskeySignIn.js';
import { userTextIn } from '../components/UserText.js';

export function HomePage({ config }: { config: PublicConfig }) {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{userTextIn(t, 'home.title', { hotline: config.hotlineName ?? t('app.name') })}</h1>
      <p>{t('home.noKey')}</p>
      <p>
        <a href="/restore">{t('home.restore')}</a>
      </p>
      <PasskeySignIn />
    </section>
  );
}
