import type { HubEventType } from '@llamenos/protocol';
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { onHubEvent, onResync } from '../realtime/index.js';
import { queryKeys } from './keys.js';
import { rereadQueries } from './reread.js';

/**
 * What each hub event makes stale. Events carry no data a page shows (section names, call
 * ids): the page re-reads through the API, which checks permissions. After a gap in the
 * connection every one of these is re-read, since missed events are never replayed.
 */
export const STALE_AFTER: { [T in HubEventType]?: readonly QueryKey[] } = {
  // Today's counts are cut at midnight in the hotline's zone, which is a setting.
  // The first-run checklist ticks off a name, a time zone, a shift and a first call as they happen.
  'settings:changed': [queryKeys.publicSettings, queryKeys.todayCounts, queryKeys.setupChecklist],
  'shift:changed': [queryKeys.shifts, queryKeys.setupChecklist],
  'call:ring': [queryKeys.calls, queryKeys.setupChecklist],
  'call:answered': [queryKeys.calls],
  // An open dashboard counts a call once it has ended (its outcome and times are final then).
  'call:ended': [queryKeys.calls, queryKeys.statsPeriods],
  'voicemail:new': [queryKeys.calls],
  'message:new': [queryKeys.conversations],
  // Only the lists: a thread handed to someone else would be re-read into a 404; the open
  // thread follows this event itself.
  'conversation:assigned': [queryKeys.conversationLists],
  'conversation:updated': [queryKeys.conversations],
};

/**
 * What a settings:changed event makes stale besides, by the section it names: the admin's
 * screens of credentials and channels re-read only when theirs changed.
 */
export const STALE_AFTER_SECTION: Readonly<Record<string, readonly QueryKey[]>> = {
  providers: [queryKeys.providers],
  'messaging-channels': [queryKeys.channels],
};

/**
 * Re-reads the queries each hub event makes stale, and all of them after a reconnection (a first
 * read in flight when the event comes is read once more: rereadQueries); returns the unsubscribe.
 */
export function invalidateOnHubEvents(client: QueryClient): () => void {
  const invalidate = (keys: readonly QueryKey[]) => {
    for (const queryKey of keys) void rereadQueries(client, queryKey);
  };
  const offs = Object.entries(STALE_AFTER).map(([type, keys]) =>
    onHubEvent(type as HubEventType, () => invalidate(keys)),
  );
  offs.push(
    onHubEvent('settings:changed', ({ sections }) =>
      invalidate(sections.flatMap((section) => STALE_AFTER_SECTION[section] ?? [])),
    ),
  );
  const every = [...new Set([...Object.values(STALE_AFTER), ...Object.values(STALE_AFTER_SECTION)].flat())];
  offs.push(onResync(() => invalidate(every)));
  return () => {
    for (const off of offs) off();
  };
}
