import type { PublicConfig } from '@llamenos/protocol';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguagePicker } from '../components/LanguagePicker.js';
import { LiveStatus } from '../components/LiveStatus.js';
import { Page } from '../components/PageHeading.js';
import { Sidebar } from '../components/shell/Sidebar.js';
import { applyTheme, storedTheme } from '../components/shell/theme.js';
import { WipeDeviceDialog } from '../components/WipeDeviceDialog.js';
import { fetchConfig, setSigningOrigin } from '../lib/api/index.js';
import { callLock } from '../lib/calls/call-lock.js';
import { unfinishedJoinKind } from '../lib/onboarding.js';
import { onHubEvent, onResync, useRealtimeConnection } from '../lib/realtime/index.js';
import { DashboardPage } from '../pages/DashboardPage.js';
import { HomePage } from '../pages/HomePage.js';
import { UnlockPage } from '../pages/UnlockPage.js';
import { UpdateBanner } from '../pwa/UpdateBanner.js';
import { usePath } from './router.js';
import { JOINING_ROUTES, loadNotesPage, matchRoute, ReportsHome, reportsOnly } from './routes.js';
import { can, loadMe, type Me, signOutSession, useMe } from './session.js';
import { useIdleLock, usePanicShortcut, useVaultState, type VaultState } from './useVaultState.js';

export type { PublicConfig };

/**
 * The call dock (ringing cards, the call in progress, transcription, transfers, supervision) is
 * its own chunk, fetched once an answering member has unlocked: the PIN screen never needs it.
 */
const CallDock = lazy(() => import('../pages/calls/CallDock.js').then((m) => ({ default: m.CallDock })));

// The person's light or dark choice, before the first paint (the device's preference otherwise).
applyTheme(storedTheme());

/**
 * The hotline's public configuration, read at start and again when an admin changes the
 * settings or after any gap in the live connection (missed events are not replayed).
 */
function useHotlineConfig(onError: (message: string) => void) {
  const [config, setConfig] = useState<PublicConfig | null>(null);
  useEffect(() => {
    fetchConfig().then(
      (c) => {
        setSigningOrigin(c.publicUrl);
        setConfig(c);
      },
      (e: Error) => onError(e.message),
    );
    const reload = () => {
      fetchConfig().then(setConfig, () => undefined);
    };
    const offEvent = onHubEvent('settings:changed', reload);
    const offResync = onResync(reload);
    return () => {
      offEvent();
      offResync();
    };
  }, [onError]);
  return config;
}

/** The notes workers and screen get ready while the member looks at the dashboard. */
function useWarmNotes(vault: VaultState, me: Me | null) {
  useEffect(() => {
    if (vault !== 'unlocked' || !me || !can(me, 'notes:read-own')) return;
    const timer = setTimeout(() => {
      const screen = loadNotesPage();
      Promise.all([screen, import('../lib/notes/warm.js').then((m) => m.warmNotes(screen))]).catch(
        () => undefined,
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [vault, me]);
}

export function App() {
  const { t } = useTranslation();
  const path = usePath();
  const vault = useVaultState();
  const me = useMe();
  const [error, setError] = useState<string | null>(null);
  const config = useHotlineConfig(setError);
  const [wipeOpen, setWipeOpen] = useState(false);
  const openWipe = useCallback(() => setWipeOpen(true), []);
  usePanicShortcut(openWipe);
  useIdleLock(vault === 'unlocked', config?.autoLockMinutes ?? 15);
  useWarmNotes(vault, me);

  // Live updates while the key is unlocked.
  useRealtimeConnection(
    vault === 'unlocked' && me && config
      ? {
          relayUrl: config.relayUrl ?? `${config.publicUrl.replace(/^http/, 'ws')}/nostr`,
          serverPubkey: config.serverPubkey,
          onBreak: me.onBreak,
        }
      : null,
  );

  // Joining pages load the profile themselves once the key is registered.
  const joining = Object.hasOwn(JOINING_ROUTES, path);
  useEffect(() => {
    if (vault === 'unlocked' && !me && !joining && !unfinishedJoinKind())
      loadMe().catch((e: Error) => setError(e.message));
  }, [vault, me, joining]);

  return (
    <div className={me ? 'app-shell with-nav' : 'app-shell'}>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <AppHeader hotlineName={config?.hotlineName} vault={vault} me={me} />
      {me && <Sidebar me={me} path={path} />}
      <div className="app-content">
        <UpdateBanner />
        <main id="main" tabIndex={-1}>
          {error && (
            <p role="alert" className="error">
              {t('errors.unknown', { message: error })}
            </p>
          )}
          {vault === 'unlocked' && me && can(me, 'calls:answer') && (
            <Suspense fallback={null}>
              <CallDock me={me} />
            </Suspense>
          )}
          {!config && !error && <p aria-busy="true">{t('app.loading')}</p>}
          {config && <Screen path={path} config={config} vault={vault} me={me} />}
        </main>
      </div>
      <WipeDeviceDialog open={wipeOpen} onClose={() => setWipeOpen(false)} />
    </div>
  );
}

/** The hotline's name, then live status, language, Lock and Sign out (passkey sessions); wiping is in My settings. */
function AppHeader({
  hotlineName,
  vault,
  me,
}: {
  hotlineName: string | undefined;
  vault: VaultState;
  me: Me | null;
}) {
  const { t } = useTranslation();
  // A profile without the unlocked key comes from a passkey sign-in (session.ts forgets it otherwise).
  const viaPasskey = vault !== 'unlocked' && me !== null;
  return (
    <header className="app-header">
      <span className="app-name" dir="auto">
        {hotlineName ?? t('app.name')}
      </span>
      <nav aria-label={t('app.accountMenu')} className="header-actions">
        {vault === 'unlocked' && me && <LiveStatus />}
        <LanguagePicker />
        {vault === 'unlocked' && (
          // During a call this locks once the call ends (lib/calls/call-lock.ts).
          <button type="button" className="secondary inverse" onClick={() => callLock.request()}>
            {t('app.lock')}
          </button>
        )}
        {viaPasskey && (
          <button type="button" className="secondary inverse" onClick={() => void signOutSession()}>
            {t('app.signOut')}
          </button>
        )}
      </nav>
    </header>
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
  const loading = <p aria-busy="true">{t('app.loading')}</p>;
  const joining = Object.hasOwn(JOINING_ROUTES, path) ? JOINING_ROUTES[path] : undefined;
  // A key made by a join that was never registered: finish that join rather than unlock.
  const unfinished = !joining && !me && vault !== 'none' ? unfinishedJoinKind() : null;
  const joiningScreen = joining ?? (unfinished ? JOINING_ROUTES[`/${unfinished}`] : undefined);
  // The joining screens are chunks of their own (./routes.tsx).
  if (joiningScreen) return <Suspense fallback={loading}>{joiningScreen(config)}</Suspense>;
  if (vault === 'none' && !me) return <HomePage config={config} />;
  if (vault === 'locked' && !me) return <UnlockPage />;
  if (!me) return loading;
  return (
    <>
      {vault !== 'unlocked' && (
        <p role="note" className="panel notice" data-testid="passkey-session-note">
          {t('passkeySignIn.note')}
        </p>
      )}
      <Suspense fallback={loading}>
        <MemberScreen path={path} config={config} me={me} />
      </Suspense>
    </>
  );
}

/** Screens of a signed-in member (./routes.tsx); a path without its permission says so instead of failing on load. */
function MemberScreen({ path, config, me }: { path: string; config: PublicConfig; me: Me }) {
  const { t } = useTranslation();
  const match = matchRoute(path);
  if (!match) return reportsOnly(me) ? <ReportsHome me={me} /> : <DashboardPage me={me} />;
  const { route, params } = match;
  if (route.permission && !can(me, route.permission))
    return (
      <Page title={t('nav.deniedTitle')}>
        <p role="alert" className="error">
          {t('errors.api.forbidden')}
        </p>
      </Page>
    );
  return <route.page me={me} config={config} {...params} />;
}
