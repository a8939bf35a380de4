import type { PresenceStatus } from '@llamenos/protocol';

/** A presence not refreshed within this is dropped: heartbeats come every 30 s, so two may be lost. */
export const PRESENCE_TTL_MS = 75_000;

export interface PresenceEntry {
  pubkey: string;
  status: Exclude<PresenceStatus, 'offline'>;
  /** When the member said so (their clock, ISO 8601): orders their announcements. */
  at: string;
  /** When this device heard it (its clock): only this decides expiry, so skewed clocks cannot keep a member "online". */
  receivedAt: number;
}

/**
 * The latest presence of each member. An announcement older than the one held for that member
 * (events can cross on the way) is ignored; "offline" removes the member; a member not heard
 * from for PRESENCE_TTL_MS disappears. Pure logic: the clock is passed in.
 */
export class PresenceStore {
  private readonly entries = new Map<string, PresenceEntry & { atMs: number }>();
  private readonly listeners = new Set<() => void>();
  private cached: PresenceEntry[] | null = null;

  constructor(private readonly ttlMs = PRESENCE_TTL_MS) {}

  /** Records an announcement; true if it changed what is shown. Returns whether the member is new (was unknown or offline). */
  apply(
    pubkey: string,
    status: PresenceStatus,
    at: string,
    now: number,
  ): { changed: boolean; arrived: boolean } {
    const atMs = Date.parse(at);
    if (Number.isNaN(atMs)) return { changed: false, arrived: false };
    const held = this.entries.get(pubkey);
    const known = held !== undefined && now - held.receivedAt <= this.ttlMs;
    // Equal times: the later arrival wins (an "offline" prepared together with a heartbeat).
    if (known && atMs < held.atMs) return { changed: false, arrived: false };
    if (status === 'offline') {
      if (!held) return { changed: false, arrived: false };
      this.entries.delete(pubkey);
      this.changed();
      return { changed: true, arrived: false };
    }
    const changed = !known || held.status !== status;
    this.entries.set(pubkey, { pubkey, status, at, receivedAt: now, atMs });
    if (changed) this.changed();
    return { changed, arrived: !known };
  }

  /** Drops members not heard from within the time to live; true if any was dropped. */
  prune(now: number): boolean {
    let dropped = false;
    for (const [pubkey, entry] of this.entries) {
      if (now - entry.receivedAt > this.ttlMs) {
        this.entries.delete(pubkey);
        dropped = true;
      }
    }
    if (dropped) this.changed();
    return dropped;
  }

  /** Who is online, ordered by public key (stable); the same array until something changes. */
  list(): PresenceEntry[] {
    this.cached ??= [...this.entries.values()]
      .map(({ atMs: _, ...entry }) => entry)
      .sort((a, b) => (a.pubkey < b.pubkey ? -1 : 1));
    return this.cached;
  }

  statusOf(pubkey: string): PresenceEntry['status'] | null {
    return this.entries.get(pubkey)?.status ?? null;
  }

  clear(): void {
    if (this.entries.size === 0) return;
    this.entries.clear();
    this.changed();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.cached = null;
    for (const l of this.listeners) l();
  }
}
