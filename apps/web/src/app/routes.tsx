import type { Permission, PublicConfig } from '@llamenos/protocol';
import { type ComponentType, lazy, type ReactElement, useState } from 'react';
import { can, type Me } from './session.js';

/** React.lazy for a named export: `page(() => import('./X.js').then((m) => m.X))`. */
const page = <P extends object>(load: () => Promise<ComponentType<P>>) =>
  lazy(() => load().then((component) => ({ default: component })));

const JoinPage = page(() => import('../pages/JoinPage.js').then((m) => m.JoinPage));
const RestorePage = page(() => import('../pages/RestorePage.js').then((m) => m.RestorePage));

/**
 * Screens for getting a key onto this device, shown whatever the vault's state: the first
 * admin's bootstrap link, an invite link, and restoring from a backup file. Their one-time
 * codes travel in the URL fragment, which the browser never sends to the server; the pages
 * read it once (router.ts takeFragment) and remove it from the address bar. Each is its own
 * chunk (App.tsx shows them inside a Suspense): a device visits them once, while every opening
 * of the app downloads the first load, which only the unlock screen needs.
 */
export const JOINING_ROUTES: Readonly<Record<string, (config: PublicConfig) => ReactElement>> = {
  '/bootstrap': (config) => <JoinPage config={config} kind="bootstrap" />,
  '/invite': (config) => <JoinPage config={config} kind="invite" />,
  '/restore': (config) => <RestorePage config={config} />,
};

/**
 * The member screens, one row a URL: its path pattern, the permission it needs (the server
 * checks again; this only spares a screen that would fail on load), and the page, loaded as
 * its own chunk the first time it is opened. Entry screens (home, unlock, joining, restore)
 * and the dashboard are not here: App.tsx picks them from the vault's state; home, unlock and
 * the dashboard are in the first download so the PIN field appears without a second round trip.
 *
 * A pattern is literal segments and `:name` segments; each name has the pattern its value must
 * match, so a URL that does not fit any row falls through to the dashboard, as before.
 */
export interface MemberRoute<P extends string = string> {
  path: string;
  params?: Record<P, RegExp>;
  permission?: Permission;
  render: (screen: { me: Me; config: PublicConfig; params: Record<P, string> }) => ReactElement;
}

// Admin screens and member settings are separate chunks: a volunteer's first load never
// downloads them, and nobody downloads a screen they do not open.
const VolunteersPage = page(() => import('../pages/admin/VolunteersPage.js').then((m) => m.VolunteersPage));
const VolunteerEditPage = page(() =>
  import('../pages/admin/VolunteerEditPage.js').then((m) => m.VolunteerEditPage),
);
const InvitesPage = page(() => import('../pages/admin/InvitesPage.js').then((m) => m.InvitesPage));
const RolesPage = page(() => import('../pages/admin/RolesPage.js').then((m) => m.RolesPage));
const HotlineSettingsPage = page(() =>
  import('../pages/admin/HotlineSettingsPage.js').then((m) => m.HotlineSettingsPage),
);
const AuditPage = page(() => import('../pages/admin/AuditPage.js').then((m) => m.AuditPage));
const DashboardsPage = page(() =>
  import('../pages/dashboards/DashboardsPage.js').then((m) => m.DashboardsPage),
);
const MySettingsPage = page(() =>
  import('../pages/settings/MySettingsPage.js').then((m) => m.MySettingsPage),
);
const ShiftsAdminPage = page(() =>
  import('../pages/shifts/ShiftsAdminPage.js').then((m) => m.ShiftsAdminPage),
);
const MyShiftsPage = page(() => import('../pages/shifts/MyShiftsPage.js').then((m) => m.MyShiftsPage));
const NoteNewPage = page(() => import('../pages/notes/NoteNewPage.js').then((m) => m.NoteNewPage));
const NoteViewPage = page(() => import('../pages/notes/NoteViewPage.js').then((m) => m.NoteViewPage));
const AdminCallsPage = page(() => import('../pages/calls/AdminCallsPage.js').then((m) => m.AdminCallsPage));
const BansPage = page(() => import('../pages/calls/BansPage.js').then((m) => m.BansPage));
const CallDetailPage = page(() => import('../pages/calls/CallDetailPage.js').then((m) => m.CallDetailPage));
const QueueBoardPage = page(() => import('../pages/calls/QueueBoardPage.js').then((m) => m.QueueBoardPage));
const GrantAccessPage = page(() =>
  import('../pages/notes/GrantAccessPage.js').then((m) => m.GrantAccessPage),
);
const OpenExportPage = page(() => import('../pages/notes/OpenExportPage.js').then((m) => m.OpenExportPage));
const InboxPage = page(() => import('../pages/conversations/InboxPage.js').then((m) => m.InboxPage));
const ReportsPage = page(() => import('../pages/reports/ReportsPage.js').then((m) => m.ReportsPage));
const ReportNewPage = page(() => import('../pages/reports/ReportNewPage.js').then((m) => m.ReportNewPage));
const ReportViewPage = page(() => import('../pages/reports/ReportViewPage.js').then((m) => m.ReportViewPage));
const ReportsGrantAccessPage = page(() =>
  import('../pages/reports/ReportsGrantAccessPage.js').then((m) => m.ReportsGrantAccessPage),
);

/**
 * A member whose role only files and reads reports (the built-in reporter): the reports list is
 * their home screen and the only one in their menu besides their own settings.
 */
export function reportsOnly(me: Me): boolean {
  return (
    can(me, 'reports:read-own') &&
    !can(me, 'calls:answer') &&
    !can(me, 'notes:read-own') &&
    !can(me, 'conversations:read-assigned') &&
    !can(me, 'users:read')
  );
}

/** What `/` shows a reports-only member (everyone else gets the dashboard). */
export const ReportsHome = ({ me }: { me: Me }) => <ReportsPage me={me} />;

/**
 * The notes screen renders without suspending once its code is loaded (the notes warm-up loads
 * it while the member reads the dashboard): a lazy component suspends on its first render even
 * then, and React holds content back for 300 ms after a Suspense fallback (FALLBACK_THROTTLE_MS),
 * which was a third of the time to the first notes.
 */
let notesPageModule: typeof import('../pages/notes/NotesPage.js') | null = null;
export const loadNotesPage = () =>
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

const ID = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Typed rows: `params` of each render is exactly the `:names` of its path. */
const route = <P extends string = never>(r: MemberRoute<P>) => r as unknown as MemberRoute;

export const MEMBER_ROUTES: readonly MemberRoute[] = [
  route({
    path: '/admin/volunteers/:id',
    params: { id: ID },
    permission: 'users:read',
    render: ({ me, params }) => <VolunteerEditPage id={params.id} me={me} />,
  }),
  route({
    path: '/notes/:id',
    params: { id: UUID },
    permission: 'notes:read-own',
    render: ({ me, params }) => <NoteViewPage id={params.id} me={me} />,
  }),
  route({
    path: '/admin/volunteers',
    permission: 'users:read',
    render: ({ me }) => <VolunteersPage me={me} />,
  }),
  route({ path: '/admin/invites', permission: 'invites:read', render: ({ me }) => <InvitesPage me={me} /> }),
  route({ path: '/admin/roles', permission: 'roles:read', render: ({ me }) => <RolesPage me={me} /> }),
  route({
    path: '/admin/settings',
    permission: 'settings:read',
    render: ({ me }) => <HotlineSettingsPage me={me} />,
  }),
  route({ path: '/admin/audit', permission: 'audit:read', render: ({ me }) => <AuditPage me={me} /> }),
  route({ path: '/admin/dashboards', permission: 'audit:read', render: () => <DashboardsPage /> }),
  route({
    path: '/admin/shifts',
    permission: 'shifts:write',
    render: ({ me }) => <ShiftsAdminPage me={me} />,
  }),
  route({ path: '/shifts', render: ({ me }) => <MyShiftsPage me={me} /> }),
  route({ path: '/notes', permission: 'notes:read-own', render: ({ me }) => <NotesPage me={me} /> }),
  route({ path: '/notes/new', permission: 'notes:write', render: () => <NoteNewPage /> }),
  route({
    path: '/admin/calls',
    permission: 'calls:read-all',
    render: ({ me }) => <AdminCallsPage me={me} />,
  }),
  route({
    path: '/admin/calls/board',
    permission: 'calls:read-all',
    render: ({ me }) => <QueueBoardPage me={me} />,
  }),
  // Any call for calls:read-all, only one they answered for a volunteer: the server decides.
  route({
    path: '/calls/:id',
    params: { id: UUID },
    permission: 'calls:read',
    render: ({ me, params }) => <CallDetailPage id={params.id} me={me} />,
  }),
  route({ path: '/admin/bans', permission: 'bans:read', render: ({ me }) => <BansPage me={me} /> }),
  route({
    path: '/admin/grant-access',
    permission: 'notes:read-all',
    render: ({ me }) => <GrantAccessPage me={me} />,
  }),
  // The reports' grant alone, for a report admin without notes:read-all (others have it above).
  route({
    path: '/admin/report-access',
    permission: 'reports:read-all',
    render: ({ me }) => <ReportsGrantAccessPage me={me} />,
  }),
  route({ path: '/admin/open-export', permission: 'notes:export', render: () => <OpenExportPage /> }),
  route({ path: '/settings', render: ({ me, config }) => <MySettingsPage me={me} config={config} /> }),
  route({
    path: '/conversations',
    permission: 'conversations:read-assigned',
    render: ({ me }) => <InboxPage me={me} />,
  }),
  route({ path: '/reports', permission: 'reports:read-own', render: ({ me }) => <ReportsPage me={me} /> }),
  route({ path: '/reports/new', permission: 'reports:write', render: () => <ReportNewPage /> }),
  route({
    path: '/reports/:id',
    params: { id: UUID },
    permission: 'reports:read-own',
    render: ({ me, params }) => <ReportViewPage id={params.id} me={me} />,
  }),
  route({
    path: '/conversations/:id',
    params: { id: UUID },
    permission: 'conversations:read-assigned',
    render: ({ me, params }) => <InboxPage me={me} id={params.id} />,
  }),
];

/** The first row whose pattern the path fits, with its parameters; null for the dashboard. */
export function matchRoute(
  path: string,
  routes: readonly MemberRoute[] = MEMBER_ROUTES,
): { route: MemberRoute; params: Record<string, string> } | null {
  const segments = path.split('/');
  for (const candidate of routes) {
    const pattern = candidate.path.split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((part, i) => {
      const segment = segments[i] ?? '';
      if (!part.startsWith(':')) return part === segment;
      const name = part.slice(1);
      const rule = candidate.params?.[name];
      if (!rule?.test(segment)) return false;
      params[name] = segment;
      return true;
    });
    if (fits) return { route: candidate, params };
  }
  return null;
}
