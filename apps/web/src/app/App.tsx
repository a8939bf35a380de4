import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguagePicker } from '../components/LanguagePicker.js';
import { api, setSigningOrigin } from '../lib/api.js';
import { HomePage } from '../pages/HomePage.js';
import { usePath } from './router.js';

export interface PublicConfig {
  serverPubkey: string;
  publicUrl: string;
  production: boolean;
  hotlineName?: string;
  languages?: string[];
}

export function App() {
  const { t } = useTranslation();
  const path = usePath();
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<PublicConfig>('GET', '/api/config').then(
      (c) => {
        setSigningOrigin(c.publicUrl);
        setConfig(c);
      },
      (e: Error) => setError(e.message),
    );
  }, []);

  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="app-header">
        <span className="app-name">{config?.hotlineName ?? t('app.name')}</span>
        <LanguagePicker />
      </header>
      <main id="main" tabIndex={-1}>
        {error && (
          <p role="alert" className="error">
            {t('errors.unknown', { message: error })}
          </p>
        )}
        {!config && !error && <p aria-busy="true">{t('app.loading')}</p>}
        {config && <Routes path={path} config={config} />}
      </main>
    </>
  );
}

function Routes({ path, config }: { path: string; config: PublicConfig }) {
  switch (path) {
    default:
      return <HomePage config={config} />;
  }
}
