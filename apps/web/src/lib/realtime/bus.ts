import type { HubEventPayload, HubEventType } from '@llamenos/protocol';

/**
 * The client side of hub events, for pages: listeners per event type, "resync" hooks run on
 * every (re)connection (ephemeral events missed while disconnected are never replayed, so
 * pages re-read their state from the API), and invalidation counters a view can include in
 * its load key to reload when its data changed elsewhere.
 */

export type HubEventOf<T extends HubEventType> = Extract<HubEventPayload, { type: T }>;
type Listener = (payload: HubEventPayload, from: string) => void;

const byType = new Map<HubEventType, Set<Listener>>();
const resyncHooks = new Set<() => void>();

/** Calls `callback` for every verified, decrypted event of this type; returns the unsubscribe function. */
export function onHubEvent<T extends HubEventType>(
  type: T,
  callback: (payload: HubEventOf<T>, from: string) => void,
): () => void {
  let set = byType.get(type);
  if (!set) {
    set = new Set();
    byType.set(type, set);
  }
  const listener = callback as Listener;
  set.add(listener);
  return () => set.delete(listener);
}

/** Delivers an accepted event to its listeners; one failing listener does not stop the others. */
export function emitHubEvent(payload: HubEventPayload, from: string): void {
  for (const listener of [...(byType.get(payload.type) ?? [])]) {
    try {
      listener(payload, from);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

/** Runs `hook` after every (re)connection to the relay; returns the unsubscribe function. */
export function onResync(hook: () => void): () => void {
  resyncHooks.add(hook);
  return () => resyncHooks.delete(hook);
}

export function runResync(): void {
  for (const hook of [...resyncHooks]) hook();
  // Every view that reloads on a topic reloads after a gap too.
  for (const topic of counters.keys()) invalidate(topic);
}

/** What can go stale: hotline settings, shift schedules. */
export type Topic = 'settings' | 'shifts';

const counters = new Map<Topic, number>([
  ['settings', 0],
  ['shifts', 0],
]);
const topicListeners = new Set<() => void>();

export function invalidate(topic: Topic): void {
  counters.set(topic, (counters.get(topic) ?? 0) + 1);
  for (const l of [...topicListeners]) l();
}

export const generationOf = (topic: Topic): number => counters.get(topic) ?? 0;

export function onInvalidate(listener: () => void): () => void {
  topicListeners.add(listener);
  return () => topicListeners.delete(listener);
}

// Server events that make views stale.
onHubEvent('settings:changed', () => invalidate('settings'));
onHubEvent('shift:changed', () => invalidate('shifts'));
