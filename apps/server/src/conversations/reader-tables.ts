import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CachedAgreement } from '@llamenos/crypto';
import { hasPermission } from '@llamenos/protocol';
import { grantsOf } from '../identity/lookup.js';
import type { MemberWithGrants } from './store.js';

/**
 * The sealer's per-reader ECDH tables (seal.ts) made before a message needs them. A table is
 * about 1 MB and 40 ms of CPU per reader; made on a reader's first wrap, the 13 readers of the
 * messaging bench (5 admins, 8 volunteers) cost the first contacts of a storm half a second of
 * one core in their webhooks (issue 10: first-contact p99). So the server makes them at start
 * (startConversationTimers) and whenever the members read with an inbound text differ from
 * those it last made them for (a new admin, a volunteer given conversations, a role change:
 * whatever path changed them, the next text sees it), one table per turn of the event loop so
 * webhooks arriving meanwhile are not held behind all of them. The sealing threads (seal-pool.ts)
 * make theirs at the same moments, on their own cores.
 */

/** Readers whose tables the sealer keeps (the agreement's size, ingest.ts). */
export const READER_TABLES = 32;

/**
 * Who a message may be sealed for, admins first (every message is sealed for them), then those
 * who may hold conversations; at most READER_TABLES.
 */
export function tableReaders(members: readonly MemberWithGrants[]): string[] {
  const admins: string[] = [];
  const holders: string[] = [];
  for (const m of members) {
    const grants = grantsOf(m.roles, m.custom);
    if (hasPermission(grants, 'conversations:read-all')) admins.push(m.pubkey);
    else if (hasPermission(grants, 'conversations:read-assigned')) holders.push(m.pubkey);
  }
  return [...admins, ...holders].slice(0, READER_TABLES);
}

export interface ReaderTables {
  /**
   * Makes the tables of these members' readers that are not kept, in the background, unless
   * they are the members last seen (a string comparison per text). Never throws.
   */
  seen(members: readonly MemberWithGrants[]): void;
  /** Makes the tables of these members' readers now, one per turn; resolves when all are made. */
  warm(members: readonly MemberWithGrants[]): Promise<void>;
  /** The warm-up in progress, if any (tests and the bench wait for it). */
  readonly pending: Promise<void> | null;
}

export function readerTables(
  agreement: Pick<CachedAgreement, 'prepare'>,
  onError: (error: unknown) => void,
  /** The same readers' tables made elsewhere too (the sealing threads, seal-pool.ts), meanwhile. */
  alsoPrepare: (readers: readonly string[]) => Promise<void> = async () => {},
): ReaderTables {
  let lastSeen = '';
  let pending: Promise<void> | null = null;
  const build = async (readers: readonly string[]) => {
    for (const reader of readers) {
      await nextTurn();
      try {
        agreement.prepare(reader);
      } catch (error) {
        // A key that is not on the curve: its wraps fail as they did before, in their webhook.
        onError(error);
      }
    }
  };
  // Who reads is decided by the roles and the custom roles' grants (one object for all members).
  const keyOf = (members: readonly MemberWithGrants[]) =>
    `${members.map((m) => `${m.pubkey}:${m.roles.join()}`).join(';')}|${JSON.stringify(members[0]?.custom ?? {})}`;
  const warm = (members: readonly MemberWithGrants[]): Promise<void> => {
    lastSeen = keyOf(members);
    const readers = tableReaders(members);
    // In turn: two warm-ups at once would build the same tables twice.
    const run: Promise<void> = (pending ?? Promise.resolve()).then(async () => {
      await Promise.all([build(readers), alsoPrepare(readers)]);
    });
    pending = run;
    void run.finally(() => {
      if (pending === run) pending = null;
    });
    return run;
  };
  return {
    get pending() {
      return pending;
    },
    warm,
    seen(members) {
      if (keyOf(members) === lastSeen) return;
      warm(members).catch(onError);
    },
  };
}
