/**
 * Every query key of the web client, in one place, so that what a hub event makes stale
 * (./live.ts) and what a page reads can be matched by prefix. The first element says which
 * server data a query holds; invalidating a prefix re-reads every query under it.
 */
export const queryKeys = {
  /** The hotline's public settings and what is derived from them (note fields). */
  publicSettings: ['settings', 'public'] as const,
  noteFields: ['settings', 'public', 'note-fields'] as const,
  /**
   * The admin's settings document. Never re-read behind the admin's back: their edit carries
   * the version they loaded, and a silent re-read would turn a conflict (409) into an overwrite.
   */
  settingsDocument: ['settings-document'] as const,
  providers: ['providers'] as const,
  /** The messaging channels' configurations (secrets masked). */
  channels: ['channels'] as const,
  /** The server's public configuration (its public URL, for the webhook addresses). */
  publicConfig: ['config'] as const,
  users: (filter: { active?: boolean } = {}) => ['users', 'list', filter] as const,
  user: (id: string) => ['users', 'one', id] as const,
  roles: ['roles'] as const,
  permissions: ['permissions'] as const,
  invites: ['invites'] as const,
  audit: (query: string) => ['audit', query] as const,
  passkeys: ['auth', 'passkeys'] as const,
  sessions: ['auth', 'sessions'] as const,
  calls: ['calls'] as const,
  liveCalls: ['calls', 'live'] as const,
  todayCounts: ['calls', 'today'] as const,
  callHistory: (offset: number, limit: number) => ['calls', 'history', offset, limit] as const,
  callDetail: (id: string) => ['calls', 'one', id] as const,
  /** The admins' live board of the queue: re-read on every call event, like every key under 'calls'. */
  queueBoard: ['calls', 'queue'] as const,
  bans: ['bans'] as const,
  /** The dashboards' figures for a period, and the first-run checklist (re-read on every visit). */
  statsPeriods: ['stats', 'period'] as const,
  stats: (period: object) => ['stats', 'period', period] as const,
  setupChecklist: ['stats', 'setup'] as const,
  shifts: ['shifts'] as const,
  onShiftNow: ['shifts', 'now'] as const,
  myShifts: (days: number) => ['shifts', 'mine', days] as const,
  schedule: ['shifts', 'schedule'] as const,
  week: (start: string) => ['shifts', 'week', start] as const,
  notes: ['notes'] as const,
  note: (id: string, version?: number) => ['notes', 'one', id, version ?? 'current'] as const,
  noteVersions: (id: string) => ['notes', 'versions', id] as const,
  /** The notes linked to one call (the reader's own, or all for notes:read-all). */
  notesForCall: (callId: string) => ['notes', 'for-call', callId] as const,
  grantStatus: (reader: string) => ['notes', 'grant-status', reader] as const,
  /** The server's version and the checksum of the web app it serves. */
  version: ['version'] as const,
  conversations: ['conversations'] as const,
  conversationLists: ['conversations', 'list'] as const,
  conversationList: (filter: object) => ['conversations', 'list', filter] as const,
  conversation: (id: string) => ['conversations', 'one', id] as const,
  transferTargets: (id: string) => ['conversations', 'transfer-targets', id] as const,
};
