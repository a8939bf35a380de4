import { REWRAP_BATCH_MAX, type RewrapItem } from '@llamenos/protocol';
import { fetchRewrapRequests, postWraps } from '../api/index.js';
import { conversationsPool } from './pool.js';

/**
 * History re-wrap (lesson 15, PROTOCOL.md §9.3). When a conversation changes hands the server
 * records a request for the new assignee's key; a member who can read the history (an admin)
 * unwraps each record's key with their own wrap and wraps it for the new assignee, in the
 * workers, a batch at a time: while one batch is posted the next is being wrapped.
 */

export interface RewrapOutcome {
  stored: number;
  /** Records this key could not unwrap (not shared with it, or altered). */
  failed: number;
  /** Records the recipient still cannot open, as the server counts them after the last post. */
  remaining: number;
}

/**
 * Whether `recipient` really is who the conversation was handed to: a server that asked for a
 * wrap for some other key would be asking to disclose the history. Given by the caller, who
 * knows the members' keys when it may read them.
 */
export type RecipientCheck = (recipient: string) => Promise<boolean>;

const running = new Map<string, Promise<RewrapOutcome>>();

async function rewrapAll(
  conversationId: string,
  recipient: string,
  items: RewrapItem[],
  batch: number,
): Promise<RewrapOutcome> {
  const pool = conversationsPool();
  const outcome: RewrapOutcome = { stored: 0, failed: 0, remaining: 0 };
  let posting: Promise<void> = Promise.resolve();
  for (let i = 0; i < items.length; i += batch) {
    const { wraps, failed } = await pool.rewrap(recipient, items.slice(i, i + batch));
    outcome.failed += failed;
    await posting;
    if (wraps.length)
      posting = postWraps(conversationId, recipient, wraps).then((answer) => {
        outcome.stored += answer.stored;
        outcome.remaining = answer.remaining;
      });
  }
  await posting;
  return outcome;
}

async function run(
  conversationId: string,
  check: RecipientCheck | null,
  batch: number,
): Promise<RewrapOutcome> {
  const total: RewrapOutcome = { stored: 0, failed: 0, remaining: 0 };
  for (const request of await fetchRewrapRequests(conversationId)) {
    if (request.conversationId !== conversationId || request.items.length === 0) continue;
    if (check && !(await check(request.recipient))) continue;
    const outcome = await rewrapAll(conversationId, request.recipient, request.items, batch);
    total.stored += outcome.stored;
    total.failed += outcome.failed;
    total.remaining += outcome.remaining;
  }
  return total;
}

/** Conversations asked about again while their re-wrap was running: run once more after it. */
const again = new Set<string>();

/**
 * Does every pending re-wrap of the conversation this key can do; one run per conversation at
 * a time. A call during a run (another change of hands meanwhile) gets one more run after it.
 */
export function rewrapHistory(
  conversationId: string,
  check: RecipientCheck | null,
  batch = REWRAP_BATCH_MAX / 4,
): Promise<RewrapOutcome> {
  const current = running.get(conversationId);
  if (current) {
    again.add(conversationId);
    return current;
  }
  const size = Math.min(batch, REWRAP_BATCH_MAX);
  const started = run(conversationId, check, size).finally(() => {
    running.delete(conversationId);
    if (again.delete(conversationId)) void rewrapHistory(conversationId, check, size).catch(() => undefined);
  });
  running.set(conversationId, started);
  return started;
}

const swept = new Set<string>();

/**
 * On opening the inbox, an admin's browser looks once per session at each conversation shown
 * for a re-wrap its hub event may have announced while nobody who could do it was online; one
 * at a time, in the background. `forgetSweeps` (after a gap in the live connection) looks again.
 */
export async function sweepRewraps(
  conversationIds: readonly string[],
  check: RecipientCheck | null,
  onError: (error: unknown) => void,
): Promise<void> {
  for (const id of conversationIds) {
    if (swept.has(id)) continue;
    swept.add(id);
    await rewrapHistory(id, check).catch(onError);
  }
}

export const forgetSweeps = (): void => swept.clear();
