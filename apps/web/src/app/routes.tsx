import type { Permission, PublicConfig } from '@llamenos/protocol';
import { type ComponentType, type LazyExoticComponent, lazy, type ReactElement, useState } from 'react';
import { can, type Me } from './session.js';

type PageModule = Record<string, unknown>;

/**
 * React.lazy for pages, each named once: `lazyPages({ X: () => import('./X.js') })` is the
 * module's export `X`, loaded as its own chunk the first time it renders (a name the module does
 * not export fails the type check).
 */
function lazyPages<L extends Record<string, () => Promise<PageModule>>>(loaders: L) {
  type Module<K extends keyof L> = Awaited<ReturnType<L[K]>>;
  type Page<K extends keyof L> = K extends keyof Module<K>
    ? Module<K>[K] extends ComponentType<infer P>
      ? LazyExoticComponent<ComponentType<P>>
      : never
    : never;
  const pages = Object.entries(loaders).map(([name, load]) => [
    name,
    lazy(() => load().then((module) => ({ default: module[name] as ComponentType }))),
  ]);
  return Object.fromEntries(pages) as { [K in keyof L]: Page<K> };
}

const { JoinPage, RestorePage } = lazyPages({
  JoinPage: () => import('../pages/JoinPage.js'),
  RestorePage: () => import('../pages/RestorePage.js'),
});

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
  /** The page, given the member, the hotline's configuration and the path's parameters by name. */
  page: ComponentType<{ me: Me; config: PublicConfig } & PathParams<NoInfer<P>>>;
}

/** A page's parameters: exactly its path's `:names` in a typed row, any names in the table. */
type PathParams<P extends string> = string extends P ? Record<string, unknown> : Record<P, string>;

// Admin screens and member settings are separate chunks: a volunteer's first load never
// downloads them, and nobody downloads a screen they do not open.
const pages = lazyPages({
  VolunteersPage: () => import('../pages/admin/VolunteersPage.js'),
  VolunteerEditPage: () => import('../pages/admin/VolunteerEditPage.js'),
  InvitesPage: () => import('../pages/admin/InvitesPage.js'),
  RolesPage: () => import('../pages/admin/RolesPage.js'),
  HotlineSettingsPage: () => import('../pages/admin/HotlineSettingsPage.js'),
  AuditPage: () => import('../pages/admin/AuditPage.js'),
  DashboardsPage: () => import('../pages/dashboards/DashboardsPage.js'),
  MySettingsPage: () => import('../pages/settings/MySettingsPage.js'),
  ShiftsAdminPage: () => import('../pages/shifts/ShiftsAdminPage.js'),
  MyShiftsPage: () => import('../pages/shifts/MyShiftsPage.js'),
  NoteNewPage: () => import('../pages/notes/NoteNewPage.js'),
  NoteViewPage: () => import('../pages/notes/NoteViewPage.js'),
  AdminCallsPage: () => import('../pages/calls/AdminCallsPage.js'),
  BansPage: () => import('../pages/calls/BansPage.js'),
  CallDetailPage: () => import('../pages/calls/CallDetailPage.js'),
  QueueBoardPage: () => import('../pages/calls/QueueBoardPage.js'),
  GrantAccessPage: () => import('../pages/notes/GrantAccessPage.js'),
  OpenExportPage: () => import('../pages/notes/OpenExportPage.js'),
  InboxPage: () => import('../pages/conversations/InboxPage.js'),
  ReportsPage: () => import('../pages/reports/ReportsPage.js'),
  ReportNewPage: () => import('../pages/reports/ReportNewPage.js'),
  ReportViewPage: () => import('../pages/reports/ReportViewPage.js'),
  ReportsGrantAccessPage: () => import('../pages/reports/ReportsGrantAccessPage.js'),
});

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
export const ReportsHome = ({ me }: { me: Me }) => <pages.ReportsPage me={me} />;

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

/** Typed rows: the parameters a page takes are exactly the `:names` of its path. */
const route = <P extends string = never>(r: MemberRoute<P>) => r as unknown as MemberRoute;

export const MEMBER_ROUTES: readonly MemberRoute[] = [
  route({
    path: '/admin/volunteers/:id',
    params: { id: ID },
    permission: 'users:read',
    page: pages.VolunteerEditPage,
  }),
  route({ path: '/notes/:id', params: { id: UUID }, permission: 'notes:read-own', page: pages.NoteViewPage }),
  route({ path: '/admin/volunteers', permission: 'users:read', page: pages.VolunteersPage }),
  route({ path: '/admin/invites', permission: 'invites:read', page: pages.InvitesPage }),
  route({ path: '/admin/roles', permission: 'roles:read', page: pages.RolesPage }),
  route({ path: '/admin/settings', permission: 'settings:read', page: pages.HotlineSettingsPage }),
  route({ path: '/admin/audit', permission: 'audit:read', page: pages.AuditPage }),
  route({ path: '/admin/dashboards', permission: 'audit:read', page: pages.DashboardsPage }),
  route({ path: '/admin/shifts', permission: 'shifts:write', page: pages.ShiftsAdminPage }),
  route({ path: '/shifts', page: pages.MyShiftsPage }),
  route({ path: '/notes', permission: 'notes:read-own', page: NotesPage }),
  route({ path: '/notes/new', permission: 'notes:write', page: pages.NoteNewPage }),
  route({ path: '/admin/calls', permission: 'calls:read-all', page: pages.AdminCallsPage }),
  route({ path: '/admin/calls/board', permission: 'calls:read-all', page: pages.QueueBoardPage }),
  // Any call for calls:read-all, only one they answered for a volunteer: the server decides.
  route({ path: '/calls/:id', params: { id: UUID }, permission: 'calls:read', page: pages.CallDetailPage }),
  route({ path: '/admin/bans', permission: 'bans:read', page: pages.BansPage }),
  route({ path: '/admin/grant-access', permission: 'notes:read-all', page: pages.GrantAccessPage }),
  // The reports' grant alone, for a report admin without notes:read-all (others have it above).
  route({ path: '/admin/report-access', permission: 'reports:read-all', page: pages.ReportsGrantAccessPage }),
  route({ path: '/admin/open-export', permission: 'notes:export', page: pages.OpenExportPage }),
  route({ path: '/settings', page: pages.MySettingsPage }),
  route({ path: '/conversations', permission: 'conversations:read-assigned', page: pages.InboxPage }),
  route({ path: '/reports', permission: 'reports:read-own', page: pages.ReportsPage }),
  route({ path: '/reports/new', permission: 'reports:write', page: pages.ReportNewPage }),
  route({
    path: '/reports/:id',
    params: { id: UUID },
    permission: 'reports:read-own',
    page: pages.ReportViewPage,
  }),
  route({
    path: '/conversations/:id',
    params: { id: UUID },
    permission: 'conversations:read-assigned',
    page: pages.InboxPage,
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
