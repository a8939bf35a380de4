import type { ConversationView } from '@llamenos/protocol';
import type { QueryClient } from '@tanstack/react-query';
import { can, type Me } from '../../app/session.js';
import { ApiRequestError } from '../../lib/api/index.js';
import { type RecipientCheck, rewrapHistory, sweepRewraps } from '../../lib/conversations/rewrap.js';
import { VaultLockedError } from '../../lib/key-workers.js';
import { queries } from '../../lib/queries/index.js';

/**
 * Whom a history may be wrapped for. A member who may read the member list wraps only for an
 * active member's key, so a server asking for a stranger's key gets nothing; without that list
 * the server's word is taken (it accepts wraps only for the current assignee).
 */
function recipientCheck(me: Me, client: QueryClient): RecipientCheck | null {
  if (!can(me, 'users:read')) return null;
  return async (recipient) => {
    const users = await client.fetchQuery({ ...queries.users({ active: true }), staleTime: 10_000 });
    return users.some((u) => u.pubkey === recipient);
  };
}

/** Not being able to (the vault is locked, the member holds no wrap: 404) is not an error here. */
function quietly(error: unknown): void {
  if (error instanceof VaultLockedError) return;
  if (error instanceof ApiRequestError && [403, 404, 409].includes(error.status)) return;
  console.warn('history re-wrap failed', error instanceof Error ? error.message : error);
}

/** Runs the pending re-wraps of a conversation this member can read, in the background. */
export function runRewrap(conversationId: string, me: Me, client: QueryClient): void {
  rewrapHistory(conversationId, recipientCheck(me, client)).catch(quietly);
}

/** The pending re-wraps of the active conversations an admin's inbox shows, once per session each. */
export function sweepActive(conversations: readonly ConversationView[], me: Me, client: QueryClient): void {
  const active = conversations.filter((c) => c.status === 'active').map((c) => c.id);
  if (active.length) void sweepRewraps(active, recipientCheck(me, client), quietly);
}
