import type { HubEventPayload, HubEventType } from '@llamenos/protocol';

/**
 * The client side of hub events, for pages: listeners per event type, "resync" hooks run on
 * every (re)connection (ephemeral events missed while disconnected are never replayed, so
 * pages re-read their state from the API). Which queries each event makes stale is said in
 * lib/queries/live.ts.
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
}
