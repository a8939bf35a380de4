import { queryOptions } from '@tanstack/react-query';
import type { ConversationFilter, StatsPeriod } from '../api/index.js';
import {
  fetchAuditPage,
  fetchBans,
  fetchCallDetail,
  fetchCallHistory,
  fetchChannels,
  fetchConfig,
  fetchConversation,
  fetchConversations,
  fetchInvites,
  fetchMyShifts,
  fetchNotes,
  fetchOnShiftNow,
  fetchPasskeys,
  fetchPermissions,
  fetchProviders,
  fetchPublicSettings,
  fetchQueueBoard,
  fetchRoles,
  fetchSchedule,
  fetchSessions,
  fetchSettings,
  fetchSetupChecklist,
  fetchStats,
  fetchTransferTargets,
  fetchUser,
  fetchUsers,
  fetchWeek,
} from '../api/index.js';
import { queryKeys } from './keys.js';

/**
 * The reads pages make, as TanStack Query options: `useQuery(queries.users())`. Each pairs a
 * key from ./keys.ts with the typed client's function, so a page never names a key by hand.
 */
export const queries = {
  publicSettings: () => queryOptions({ queryKey: queryKeys.publicSettings, queryFn: fetchPublicSettings }),
  settingsDocument: () => queryOptions({ queryKey: queryKeys.settingsDocument, queryFn: fetchSettings }),
  providers: () => queryOptions({ queryKey: queryKeys.providers, queryFn: fetchProviders }),
  channels: () => queryOptions({ queryKey: queryKeys.channels, queryFn: fetchChannels }),
  publicConfig: () => queryOptions({ queryKey: queryKeys.publicConfig, queryFn: fetchConfig }),
  users: (filter: { active?: boolean } = {}) =>
    queryOptions({ queryKey: queryKeys.users(filter), queryFn: () => fetchUsers(filter) }),
  /**
   * The member list where the screen only shows names: empty for someone who may not read
   * members (users:read), who then sees key prefixes or ids instead.
   */
  memberNames: (allowed: boolean, filter: { active?: boolean } = {}) =>
    queryOptions({
      queryKey: [...queryKeys.users(filter), allowed],
      queryFn: async () => (allowed ? fetchUsers(filter) : []),
    }),
  user: (id: string) => queryOptions({ queryKey: queryKeys.user(id), queryFn: () => fetchUser(id) }),
  roles: () => queryOptions({ queryKey: queryKeys.roles, queryFn: fetchRoles }),
  permissions: () => queryOptions({ queryKey: queryKeys.permissions, queryFn: fetchPermissions }),
  invites: () => queryOptions({ queryKey: queryKeys.invites, queryFn: fetchInvites }),
  audit: (query: string) =>
    queryOptions({ queryKey: queryKeys.audit(query), queryFn: () => fetchAuditPage(query) }),
  passkeys: () => queryOptions({ queryKey: queryKeys.passkeys, queryFn: fetchPasskeys }),
  sessions: () => queryOptions({ queryKey: queryKeys.sessions, queryFn: fetchSessions }),
  callHistory: (offset: number, limit: number) =>
    queryOptions({
      queryKey: queryKeys.callHistory(offset, limit),
      queryFn: () => fetchCallHistory({ limit, offset }),
    }),
  callDetail: (id: string) =>
    queryOptions({ queryKey: queryKeys.callDetail(id), queryFn: () => fetchCallDetail(id) }),
  queueBoard: () => queryOptions({ queryKey: queryKeys.queueBoard, queryFn: fetchQueueBoard }),
  /** Whether the reader has a note linked to this call (one is enough to say so). */
  hasNoteForCall: (callId: string) =>
    queryOptions({
      queryKey: queryKeys.notesForCall(callId),
      queryFn: async () =>
        (await fetchNotes(`/api/notes?${new URLSearchParams({ callId, limit: '1' })}`)).notes.length > 0,
    }),
  bans: () => queryOptions({ queryKey: queryKeys.bans, queryFn: fetchBans }),
  stats: (period: StatsPeriod) =>
    queryOptions({ queryKey: queryKeys.stats(period), queryFn: () => fetchStats(period) }),
  setupChecklist: () => queryOptions({ queryKey: queryKeys.setupChecklist, queryFn: fetchSetupChecklist }),
  onShiftNow: () => queryOptions({ queryKey: queryKeys.onShiftNow, queryFn: fetchOnShiftNow }),
  myShifts: (days: number) =>
    queryOptions({ queryKey: queryKeys.myShifts(days), queryFn: () => fetchMyShifts(days) }),
  schedule: () => queryOptions({ queryKey: queryKeys.schedule, queryFn: fetchSchedule }),
  week: (start: string) => queryOptions({ queryKey: queryKeys.week(start), queryFn: () => fetchWeek(start) }),
  conversations: (filter: ConversationFilter) =>
    queryOptions({ queryKey: queryKeys.conversationList(filter), queryFn: () => fetchConversations(filter) }),
  conversation: (id: string) =>
    queryOptions({ queryKey: queryKeys.conversation(id), queryFn: () => fetchConversation(id) }),
  transferTargets: (id: string) =>
    queryOptions({ queryKey: queryKeys.transferTargets(id), queryFn: () => fetchTransferTargets(id) }),
};

export { queryKeys } from './keys.js';
export { invalidateOnHubEvents, STALE_AFTER } from './live.js';
