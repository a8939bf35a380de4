import { hasPermission, type Permission } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { Member } from '../domain/actor.js';
import { conflict, forbidden, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { grantsOf } from '../identity/lookup.js';
import { eligibleVolunteers } from '../shifts/views.js';
import {
  activeMembersWithGrants,
  type ConversationRow,
  findConversation,
  type MemberWithGrants,
} from './store.js';

/**
 * Who may do what with a conversation, beyond the route's guard:
 * - conversations:read-all (admins) see and act on every conversation;
 * - the assignee sees and acts on theirs;
 * - a volunteer on shift holding conversations:claim sees the unassigned queue (its messages are
 *   sealed for the admins only until someone takes it, so they see that it waits, not what it says);
 * - transferring someone else's conversation needs conversations:assign.
 * Anything else reads as "not found", so a conversation's existence is not disclosed.
 */

export const readsAll = (actor: Member) => hasPermission(actor.permissions, 'conversations:read-all');
export const mayAssign = (actor: Member) => hasPermission(actor.permissions, 'conversations:assign');
export const mayClaim = (actor: Member) => hasPermission(actor.permissions, 'conversations:claim');

/** Is the member on shift now (the same answer the call router uses)? */
export async function isOnShift(ctx: ServerContext, userId: string): Promise<boolean> {
  return (await eligibleVolunteers(ctx, ctx.now())).userIds.includes(userId);
}

/** The conversation if the member may see it; not-found otherwise. */
export const visibleConversation = (ctx: ServerContext, actor: Member, id: string) =>
  conversationFor(ctx, actor, id, false);

/**
 * visibleConversation for a claim: a member who sees the queue (on shift, may claim) and finds
 * the conversation already assigned to someone else lost the race for it — they saw it waiting a
 * moment ago — so they hear that it was taken (409), not that it does not exist.
 */
export const claimableConversation = (ctx: ServerContext, actor: Member, id: string) =>
  conversationFor(ctx, actor, id, true);

async function conversationFor(
  ctx: ServerContext,
  actor: Member,
  id: string,
  claiming: boolean,
): Promise<ConversationRow> {
  const conversation = await findConversation(ctx.db, id);
  if (!conversation) throw notFound('no such conversation');
  if (readsAll(actor) || conversation.assigned_to === actor.userId) return conversation;
  if (!mayClaim(actor) || !(await isOnShift(ctx, actor.userId))) throw notFound('no such conversation');
  if (conversation.status === 'waiting' && conversation.assigned_to === null) return conversation;
  if (claiming && conversation.assigned_to !== null)
    throw conflict('someone else has already taken this conversation');
  throw notFound('no such conversation');
}

/** The assignee, or someone who may act on every conversation. */
export function ensureHandles(actor: Member, conversation: ConversationRow): void {
  if (conversation.assigned_to === actor.userId || readsAll(actor) || mayAssign(actor)) return;
  throw forbidden('this conversation is assigned to someone else');
}

/**
 * Everyone a message of this conversation is sealed for now: its assignee and every admin. An
 * assignee who was deactivated or whose roles lost conversations:read-assigned gets no wrap, even
 * before the queue pass (queue.ts) has taken the conversation from them.
 */
export async function currentReaders(db: Queryable, assignedTo: string | null): Promise<string[]> {
  // One statement for what activeUsersHolding (records/envelope.ts) would read twice.
  return readersAmong(await activeMembersWithGrants(db), assignedTo);
}

/** currentReaders over members already read (the inbound lookup reads them with the conversation). */
export function readersAmong(members: readonly MemberWithGrants[], assignedTo: string | null): string[] {
  // What a role grants is the sign-in's rule (identity/lookup.ts). Members share a few sets of
  // roles: each set's grants are worked out once here, not once per member and permission (issue
  // 10: this ran for every arriving text, a tenth of what it allocated in the heap profile).
  const grantsByRoles = new Map<Record<string, string[]>, Map<string, string[]>>();
  const grantsOfMember = (m: MemberWithGrants) => {
    let byRoles = grantsByRoles.get(m.custom);
    if (!byRoles) {
      byRoles = new Map();
      grantsByRoles.set(m.custom, byRoles);
    }
    // A role id is a slug (no newline), so the joined list names one set of roles.
    const key = m.roles.join('\n');
    let grants = byRoles.get(key);
    if (!grants) {
      grants = grantsOf(m.roles, m.custom);
      byRoles.set(key, grants);
    }
    return grants;
  };
  const holds = (m: MemberWithGrants, permission: Permission) => hasPermission(grantsOfMember(m), permission);
  const admins = members.filter((m) => holds(m, 'conversations:read-all')).map((m) => m.pubkey);
  const assignee = assignedTo
    ? members.find((m) => m.id === assignedTo && holds(m, 'conversations:read-assigned'))
    : undefined;
  return [...new Set([...(assignee ? [assignee.pubkey] : []), ...admins])];
}
