import type { HotlineSettings } from '@llamenos/protocol';
import { type Queryable, urgently } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { listProviderNumbers, loadSettings } from './store.js';

/**
 * The hotline settings as the hot paths read them (every call webhook and queue round): kept in
 * the context instead of read and validated again each time, which cost a statement and a
 * full schema check per webhook.
 *
 * Kept fresh two ways. A change saved on this process announces `settings:changed`, and
 * server.ts wires that to forgetSettings: the next read sees it at once. A change saved on
 * another process is not announced here (the event bus is per process), so a kept copy is only
 * trusted for FRESH_MS: an admin's toggle (CAPTCHA, language menu, queue timeout) reaches every
 * process within a second. The settings page and its API read the table, never this copy.
 */
/** One kept value: its read (in flight or done), when that read started, under which generation. */
interface Kept<T> {
  value: Promise<T>;
  readAt: number;
  generation: number;
  /** The read has finished (a value, not a statement still waiting for a connection). */
  settled: boolean;
}

export interface SettingsCache {
  settings: Kept<HotlineSettings> | null;
  /** Which provider holds each hotline number (from the credentials rows, nothing opened). */
  numbers: Kept<Map<string, string>> | null;
  /** Counts forgets: a read that started before one is not trusted after it. */
  generation: number;
}

export const emptySettingsCache = (): SettingsCache => ({ settings: null, numbers: null, generation: 0 });

/** How long a copy read by this process is trusted without a change announced here. */
export const SETTINGS_FRESH_MS = 1000;

/**
 * The value kept in `slot` while fresh, or read again. A read through the shared database is
 * shared too: the webhooks of a burst that find the copy stale wait for one read, not one each.
 * A read inside a caller's transaction (the queue round, under its lock) is that caller's own:
 * its statement belongs to the transaction (PGlite has one connection), and is kept once done.
 * Such a caller is never handed a shared read still in flight: that read waits for a pool
 * connection, and when every connection is held by a transaction waiting for the lock this
 * caller holds, it would never get one (the queue and the assignment lock deadlocked so).
 */
async function keep<T>(
  ctx: ServerContext,
  slot: 'settings' | 'numbers',
  read: (db: Queryable) => Promise<T>,
  db: Queryable,
): Promise<T> {
  const cache = ctx.caches.settings;
  // performance.now(), not the context's clock, which tests move.
  const kept = cache[slot] as Kept<T> | null;
  if (
    kept &&
    kept.generation === cache.generation &&
    performance.now() - kept.readAt < SETTINGS_FRESH_MS &&
    (kept.settled || db === ctx.db)
  )
    return kept.value;
  const entry: Kept<T> = {
    // Every arriving call waits on these two reads (QueryOptions.urgent); in a transaction, the
    // transaction's own turn.
    value: read(db === ctx.db ? urgently(db) : db),
    readAt: performance.now(),
    generation: cache.generation,
    settled: false,
  };
  entry.value.then(
    () => {
      entry.settled = true;
    },
    () => {},
  );
  const forget = () => {
    if (cache[slot] === (entry as Kept<unknown>)) cache[slot] = null;
  };
  if (db === ctx.db) {
    (cache[slot] as Kept<T> | null) = entry;
    entry.value.catch(forget);
    return entry.value;
  }
  const value = await entry.value;
  if (entry.generation === cache.generation) (cache[slot] as Kept<T> | null) = entry;
  return value;
}

/** The settings, from the context's copy while it is fresh, or read (through `db`) and kept. */
export function cachedSettings(ctx: ServerContext, db: Queryable = ctx.db): Promise<HotlineSettings> {
  return keep(ctx, 'settings', async (q) => (await loadSettings(q)).settings, db);
}

/**
 * The provider whose numbers include `phoneNumber` (the called number decides the provider),
 * from the kept list of every provider's numbers: every inbound call asks. Fresh as the
 * settings are: at once after a change on this process, within a second after one elsewhere.
 */
export async function cachedProviderOfNumber(
  ctx: ServerContext,
  phoneNumber: string,
): Promise<string | null> {
  const providerOf = await keep(
    ctx,
    'numbers',
    async (q) => {
      const map = new Map<string, string>();
      // Ordered by provider, so that a number two rows claimed (the credential writes refuse
      // it) resolves as the one-row lookup did, to the first.
      for (const row of await listProviderNumbers(q))
        for (const number of row.phoneNumbers) if (!map.has(number)) map.set(number, row.provider);
      return map;
    },
    ctx.db,
  );
  return providerOf.get(phoneNumber) ?? null;
}

/** Moves on every change announced on this process: what was built from older settings is stale. */
export const settingsGeneration = (ctx: ServerContext): number => ctx.caches.settings.generation;

/** Drops the kept copy: the settings changed (or a test wrote them behind the service's back). */
export function forgetSettings(ctx: ServerContext): void {
  ctx.caches.settings.settings = null;
  ctx.caches.settings.numbers = null;
  ctx.caches.settings.generation += 1;
}
