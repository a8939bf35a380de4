import type { PublicConfig } from '@llamenos/protocol';
import { lazy, type ReactElement, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguagePicker } from '../components/LanguagePicker.js';
import { LiveStatus } from '../components/LiveStatus.js';
import { MemberNav } from '../components/MemberNav.js';
import { PageHeading } from '../components/PageHeading.js';
import { fetchConfig, setSigningOrigin } from '../lib/api/index.js';
import { onHubEvent, onResync, useRealtimeConnection } from '../lib/realtime/index.js';
import { lockVault, panicWipe } from '../lib/vault.js';
import { CallDock } from '../pages/calls/CallDock.js';
import { DashboardPage } from '../pages/DashboardPage.js';
import { HomePage } from '../pages/HomePage.js';
import { JoinPage } from '../pages/JoinPage.js';
import { RestorePage } from '../pages/RestorePage.js';
import { UnlockPage } from '../pages/UnlockPage.js';
import { usePath } from './router.js';
import { can, loadMe, type Me, signOutSession, useMe } from './session.js';
import { useIdleLock, usePanicShortcut, useVaultState } from './useVaultState.js';

// Admin screens and member settings are separate chunks: a volunteer's first load never
// downloads them, and nobody downloads a screen they do not open.
const VolunteersPage = lazy(() =>
  import('../pages/admin/VolunteersPage.js').then((m) => ({ default: m.VolunteersPage })),
);
const VolunteerEditPage = lazy(() =>
  import('../pages/admin/VolunteerEditPage.js').then((m) => ({ default: m.VolunteerEditPage })),
);
const InvitesPage = lazy(() =>
  import('../pages/admin/InvitesPage.js').then((m) => ({ default: m.InvitesPage })),
);
const RolesPage = lazy(() => import('../pages/admin/RolesPage.js').then((m) => ({ default: m.RolesPage })));
const HotlineSettingsPage = lazy(() =>
  import('../pages/admin/HotlineSettingsPage.js').then((m) => ({ default: m.HotlineSettingsPage })),
);
const AuditPage = lazy(() => import('../pages/admin/AuditPage.js').then((m) => ({ default: m.AuditPage })));
const MySettingsPage = lazy(() =>
  import('../pages/settings/MySettingsPage.js').then((m) => ({ default: m.MySettingsPage })),
);
const ShiftsAdminPage = lazy(() =>
  import('../pages/shifts/ShiftsAdminPage.js').then((m) => ({ default: m.ShiftsAdminPage })),
);
const MyShiftsPage = lazy(() =>
  import('../pages/shifts/MyShiftsPage.js').then((m) => ({ default: m.MyShiftsPage })),
);
/**
 * The notes screen renders without suspending once its code is loaded (the notes warm-up loads
 * it while the member reads the dashboard): a lazy component suspends on its first render even
 * then, and React holds content back for 300 ms after a Suspense fallback (FALLBACK_THROTTLE_MS),
 * which was a third of the time to the first notes.
 */
let notesPageModule: typeof import('../pages/notes/NotesPage.js') | null = null;
const loadNotesPage = () =>
  import('../pages/notes/NotesPage.js').then((m) => {
    notesPageModule = m;
    return m;
  });
const LazyNotesPage = lazy(() => loadNotesPage().then((m) => ({ default: m.NotesPage })));
function NotesPage({ me }: { me: Me }) {
  // Chosen once per mount, so the page never remounts when the module arrives meanwhile.
  const [Loaded] = useState(() => notesPageModule?.NotesPage ?? null);
  return Loaded ? <Loaded me={me} /> : <LazyNotesPage me={me} />;
}
const NoteNewPage = lazy(() =>
  import('../pages/notes/NoteNewPage.js').then((m) => ({ default: m.NoteNewPage })),
);
const NoteViewPage = lazy(() =>
  import('../pages/notes/NoteViewPage.js').then((m) => ({ default: m.NoteViewPage })),
);
const AdminCallsPage = lazy(() =>
  import('../pages/calls/AdminCallsPage.js').then((m) => ({ default: m.AdminCallsPage })),
);
const BansPage = lazy(() => import('../pages/calls/BansPage.js').then((m) => ({ default: m.BansPage })));
const GrantAccessPage = lazy(() =>
  import('../pages/notes/GrantAccessPage.js').then((m) => ({ default: m.GrantAccessPage })),
);
const OpenExportPage = lazy(() =>
  import('../pages/notes/OpenExportPage.js').then((m) => ({ default: m.OpenExportPage })),
);

export type { PublicConfig };

export function App() {
  const { t } = useTranslation();
  const path = usePath();
  const vault = useVaultState();
  const me = useMe();
  // A profile without the unlocked key comes from a passkey sign-in (session.ts forgets it otherwise).
  const viaPasskey = vault !== 'unlocked' && me !== null;
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  usePanicShortcut();
  useIdleLock(vault === 'unlocked', config?.autoLockMinutes ?? 15);
  // The notes workers and screen get ready while the member looks at the dashboard.
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

  useEffect(() => {
    fetchConfig().then(
      (c) => {
        setSigningOrigin(c.publicUrl);
        setConfig(c);
      },
      (e: Error) => setError(e.message),
    );
  }, []);

  // Live updates while the key is unlocked; the hotline's name and settings are re-read when
  // they change, and after any gap in the connection (missed events are not replayed).
  useRealtimeConnection(
    vault === 'unlocked' && me && config
      ? {
          relayUrl: config.relayUrl ?? `${config.publicUrl.replace(/^http/, 'ws')}/nostr`,
          serverPubkey: config.serverPubkey,
          onBreak: me.onBreak,
        }
      : null,
  );
  useEffect(() => {
    const reload = () => {
      fetchConfig().then(setConfig, () => undefined);
    };
    const offEvent = onHubEvent('settings:changed', reload);
    const offResync = onResync(reload);
    return () => {
      offEvent();
      offResync();
    };
  }, []);

  // Joining pages load the profile themselves once the key is registered.
  const joining = path === '/bootstrap' || path === '/invite' || path === '/restore';
  useEffect(() => {
    if (vault === 'unlocked' && !me && !joining) loadMe().catch((e: Error) => setError(e.message));
  }, [vault, me, joining]);

  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="app-header">
        <span className="app-name" dir="auto">
          {config?.hotlineName ?? t('app.name')}
        </span>
        <nav aria-label={t('app.accountMenu')} className="header-actions">
          {vault === 'unlocked' && me && <LiveStatus />}
          <LanguagePicker />
          {vault === 'unlocked' && (
            <button type="button" className="secondary inverse" onClick={lockVault}>
              {t('app.lock')}
            </button>
          )}
          {viaPasskey && (
            <button type="button" className="secondary inverse" onClick={() => void signOutSession()}>
              {t('app.signOut')}
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
      {me && <MemberNav me={me} path={path} />}
      <main id="main" tabIndex={-1}>
        {error && (
          <p role="alert" className="error">
            {t('errors.unknown', { message: error })}
          </p>
        )}
        {vault === 'unlocked' && me && can(me, 'calls:answer') && <CallDock me={me} />}
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
  if (vault === 'none' && !me) return <HomePage config={config} />;
  if (vault === 'locked' && !me) return <UnlockPage />;
  if (!me) return <p aria-busy="true">{t('app.loading')}</p>;
  return (
    <>
      {vault !== 'unlocked' && (
        <p role="note" className="panel notice" data-testid="passkey-session-note">
          {t('passkeySignIn.note')}
        </p>
      )}
      <Suspense fallback={<p aria-busy="true">{t('app.loading')}</p>}>
        <MemberScreen path={path} config={config} me={me} />
      </Suspense>
    </>
  );
}

/** Screens of a signed-in member; an admin path without its permission says so instead of failing on load. */
function MemberScreen({ path, config, me }: { path: string; config: PublicConfig; me: Me }) {
  const { t } = useTranslation();
  const denied = (
    <section>
      <PageHeading>{t('nav.deniedTitle')}</PageHeading>
      <p role="alert" className="error">
        {t('errors.api.forbidden')}
      </p>
    </section>
  );
  const guard = (permission: string, screen: ReactElement) => (can(me, permission) ? screen : denied);
  const volunteer = /^\/admin\/volunteers\/([A-Za-z0-9_-]+)$/.exec(path);
  if (volunteer?.[1]) return guard('users:read', <VolunteerEditPage id={volunteer[1]} me={me} />);
  const note = /^\/notes\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(path);
  if (note?.[1]) return guard('notes:read-own', <NoteViewPage id={note[1]} me={me} />);
  switch (path) {
    case '/admin/volunteers':
      return guard('users:read', <VolunteersPage me={me} />);
    case '/admin/invites':
      return guard('invites:read', <InvitesPage me={me} />);
    case '/admin/roles':
      return guard('roles:read', <RolesPage me={me} />);
    case '/admin/settings':
      return guard('settings:read', <HotlineSettingsPage me={me} />);
    case '/admin/audit':
      return guard('audit:read', <AuditPage me={me} />);
    case '/admin/shifts':
      return guard('shifts:write', <ShiftsAdminPage me={me} />);
    case '/shifts':
      return <MyShiftsPage me={me} />;
    case '/notes':
      return guard('notes:read-own', <NotesPage me={me} />);
    case '/notes/new':
      return guard('notes:write', <NoteNewPage />);
    case '/admin/calls':
      return guard('calls:read-all', <AdminCallsPage me={me} />);
    case '/admin/bans':
      return guard('bans:read', <BansPage me={me} />);
    case '/admin/grant-access':
      return guard('notes:read-all', <GrantAccessPage me={me} />);
    case '/admin/open-export':
      return guard('notes:export', <OpenExportPage />);
    case '/settings':
      return <MySettingsPage me={me} config={config} />;
    default:
      return <DashboardPage me={me} />;
  }
}
