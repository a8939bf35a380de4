import type { HubEventPayload } from '@llamenos/protocol';
import type { MessageArrived } from '../push/notify.js';
import type { SubscriptionRow } from '../push/store.js';
import type { SettingsChange } from '../settings/hooks.js';
import type { ShiftsChange } from '../shifts/hooks.js';

/**
 * What one module tells the others, by name. Every change is announced after it has
 * committed, so a listener reads the database, not a half-done transaction.
 */
export interface ServerEvents {
  /** Settings sections or a provider's credentials changed (names only, never values). */
  'settings:changed': SettingsChange;
  /** A shift, its volunteers, a ring group or an exception changed (kind and id only). */
  'shifts:changed': ShiftsChange;
  /** A notice about a call, as it is published to the hub (the simulator page and tests hear it too). */
  'call:announced': HubEventPayload;
  /**
   * A call started ringing more volunteers (a queue round, a training call): push wakes them.
   * `subscriptions`: theirs, when the round read them with its legs; absent, push reads them.
   */
  'call:rung': { callId: string; subscriptions?: readonly SubscriptionRow[] };
  /** A member was deactivated, or a member's or a role's grants changed (who may hold what). */
  'members:changed': { userId: string | null };
  /** A message arrived that members should see (the conversations module emits it; push wakes them). */
  'conversation:message-arrived': MessageArrived;
}

export type EventListener<T> = (payload: T) => void | Promise<void>;

/**
 * A typed publish/subscribe channel owned by one server context. Subscriptions are made when
 * the server is assembled (server.ts), never at import time, so what hears what is read in one
 * place, and two contexts in one test process never hear each other.
 *
 * Listeners are started, not awaited, and a failing one is reported, not thrown: the change is
 * already durable, so a broken listener must neither fail nor slow the request that made it.
 */
export class EventBus<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<EventListener<never>>>();

  constructor(private readonly report: (name: keyof Events, error: unknown) => void) {}

  /** Subscribes `listener` to `name`; returns its unsubscribe. */
  on<K extends keyof Events>(name: K, listener: EventListener<Events[K]>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const entry = listener as EventListener<never>;
    set.add(entry);
    return () => set.delete(entry);
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        const pending = (listener as EventListener<Events[K]>)(payload);
        if (pending) pending.catch((error: unknown) => this.report(name, error));
      } catch (error) {
        this.report(name, error);
      }
    }
  }
}
