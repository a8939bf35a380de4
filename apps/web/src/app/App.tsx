import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguagePicker } from '../components/LanguagePicker.js';
import { api, setSigningOrigin } from '../lib/api.js';
import { lockVault, panicWipe } from '../lib/vault.js';
import { DashboardPage } from '../pages/DashboardPage.js';
import { HomePage } from '../pages/HomePage.js';
import { JoinPage } from '../pages/JoinPage.js';
import { RestorePage } from '../pages/RestorePage.js';
import { UnlockPage } from '../pages/UnlockPage.js';
import { usePath } from './router.js';
import { loadMe, type Me, useMe } from './session.js';
import { useIdleLock, usePanicShortcut, useVaultState } from './useVaultState.js';

export interface PublicConfig {
  serverPubkey: string;
  publicUrl: string;
  production: boolean;
  hotlineName?: string;
  languages?: string[];
  autoLockMinutes?: number;
}

export function App() {
  const { t } = useTranslation();
  const path = usePath();
  const vault = useVaultState();
  const me = useMe();
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  usePanicShortcut();
  useIdleLock(vault === 'unlocked', config?.autoLockMinutes ?? 15);

  useEffect(() => {
    api<PublicConfig>('GET', '/api/config').then(
      (c) => {
        setSigningOrigin(c.publicUrl);
        setConfig(c);
      },
      (e: Error) => setError(e.message),
    );
  }, []);

  useEffect(() => {
    if (vault === 'unlocked' && !me) loadMe().catch((e: Error) => setError(e.message));
  }, [vault, me]);

  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="app-header">
        <span className="app-name">{config?.hotlineName ?? t('app.name')}</span>
        <nav aria-label={t('app.accountMenu')} className="header-actions">
          <LanguagePicker />
          {vault === 'unlocked' && (
            <button type="button" className="secondary inverse" onClick={lockVault}>
              {t('app.lock')}
            </button>
          )}
          {vault !== 'none' && (
            <button
              type="button"
              className="danger"
              onClick={() => {
                if (confirm(t('app.panicConfirm'))) void panicWipe().then(() => location.replace('/'));
              }}
            >
              {t('app.panic')}
            </button>
          )}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {error && (
          <p role="alert" className="error">
            {t('errors.unknown', { message: error })}
          </p>
        )}
        {!config && !error && <p aria-busy="true">{t('app.loading')}</p>}
        {config && <Screen path={path} config={config} vault={vault} me={me} />}
      </main>
    </>
  );
}

function Screen({
  path,
  config,
  vault,
  me,
}: {
  path: string;
  config: PublicConfig;
  vault: string;
  me: Me | null;
}) {
  const { t } = useTranslation();
  if (path === '/bootstrap') return <JoinPage config={config} kind="bootstrap" />;
  if (path === '/invite') return <JoinPage config={config} kind="invite" />;
  if (path === '/restore') return <RestorePage config={config} />;
  if (vault === 'none') return <HomePage config={config} />;
  if (vault === 'locked') return <UnlockPage />;
  if (!me) return <p aria-busy="true">{t('app.loading')}</p>;
  return <DashboardPage me={me} />;
}
