import { randomUUID } from 'node:crypto';
import {
  type ConversationView,
  type HotlineSettings,
  hasPermission,
  type TransferTargetsResponse,
} from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { Member } from '../domain/actor.js';
import { conflict, DomainError, invalid, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { grantsOf } from '../identity/lookup.js';
import { activeUsersHolding } from '../records/envelope.js';
import { eligibleVolunteers } from '../shifts/views.js';
import { claimableConversation, ensureHandles, mayAssign, mayClaim, visibleConversation } from './access.js';
import { auditMemberAct, conversationAct } from './member-act.js';
import { announceConversation } from './notify.js';
import {
  assignConversation,
  assignLeastRecent,
  type ConversationRow,
  claimIfUnassigned,
  closeConversationRow,
  countUnwrappedFor,
  findMember,
  lockAssignments,
  lockConversation,
  type MemberWithGrants,
  markRead,
  memberNames,
  reopenConversationRow,
  requestRewrap,
  unreadFor,
} from './store.js';
import { conversationView } from './views.js';

/**
 * Who holds a conversation. A new one is given round robin to an on-shift volunteer with a free
 * place (settings messaging.capacityPerVolunteer), the one given a conversation longest ago
 * first; with nobody free it waits in the queue, where volunteers on shift claim it (a guarded
 * UPDATE: of two claims at once one wins, the other gets 409). A change of hands records a
 * re-wrap request for the new assignee (lesson 15): the server cannot open the history, so a
 * member who can (an admin, the previous assignee) wraps each message key for them.
 */

/** Who the round robin may offer a conversation to now, worked out before the assignment lock. */
export interface AssignmentCandidates {
  /** On shift (the call router's answer) and holding conversations:read-assigned. */
  userIds: readonly string[];
  /** settings messaging.capacityPerVolunteer: open conversations a volunteer holds at most. */
  capacity: number;
}

/**
 * The candidates from what the caller has already read: who is on shift (eligibleVolunteers,
 * kept per process) and the members with their grants (the inbound lookup reads them), with
 * the settings as the call path reads them (settings/cache.ts). Nothing here needs the lock, so
 * nothing here is done while holding it.
 */
export function assignmentCandidates(
  members: readonly MemberWithGrants[],
  onShift: { userIds: readonly string[] },
  settings: HotlineSettings,
): AssignmentCandidates {
  const canHold = new Set(
    members
      .filter((m) => hasPermission(grantsOf(m.roles, m.custom), 'conversations:read-assigned'))
      .map((m) => m.id),
  );
  return {
    userIds: onShift.userIds.filter((id) => canHold.has(id)),
    capacity: settings.messaging.capacityPerVolunteer,
  };
}

/**
 * Gives the conversation (locked by the caller's transaction, nobody holding it) to the
 * candidate with a free place who was given one longest ago; null if nobody has one. The
 * assignment lock serialises every offer across processes until the caller commits, so the
 * caller keeps what follows it short: here one statement (store.ts assignLeastRecent), then the
 * audit entry. `candidates` is worked out BEFORE the transaction: the per-process copies it
 * comes from (settings/cache.ts, shifts/cache.ts) may hand a caller the read another request has
 * in flight through the pool, and a transaction waiting for a pool connection while it holds the
 * assignment lock that every other connection waits for never ends (the messaging bench hung so
 * on PostgreSQL at 200 texts/s).
 */
export async function assignRoundRobin(
  tx: Queryable,
  conversationId: string,
  candidates: AssignmentCandidates,
  now: Date,
  /** Shared by the placements of one transaction (ingest.ts): the lock is taken once. */
  lock: { taken: boolean } = { taken: false },
): Promise<{ assignee: string; conversation: ConversationRow } | null> {
  // Nobody to offer it to: no lock taken, the conversation waits in the queue.
  if (!candidates.userIds.length) return null;
  if (!lock.taken) await lockAssignments(tx);
  lock.taken = true;
  return assignLeastRecent(tx, conversationId, candidates.userIds, candidates.capacity, now);
}

/** After a change of hands inside `tx`: a re-wrap request if the new assignee lacks any wrap. */
export async function afterHandover(
  tx: Queryable,
  conversationId: string,
  assigneeId: string | null,
  now: Date,
): Promise<{ assigneePubkey: string | null; rewrap: boolean }> {
  if (!assigneeId) return { assigneePubkey: null, rewrap: false };
  const member = await findMember(tx, assigneeId);
  if (!member) return { assigneePubkey: null, rewrap: false };
  const missing = await countUnwrappedFor(tx, conversationId, member.pubkey);
  if (missing > 0) await requestRewrap(tx, randomUUID(), conversationId, member.pubkey, now);
  return { assigneePubkey: member.pubkey, rewrap: missing > 0 };
}

/** The hub events of a change of hands, once committed. */
export async function announceHandover(
  ctx: ServerContext,
  conversationId: string,
  handover: { assigneePubkey: string | null; rewrap: boolean },
): Promise<void> {
  await announceConversation(ctx, {
    type: 'conversation:assigned',
    conversationId,
    assignee: handover.assigneePubkey,
  });
  if (handover.rewrap)
    await announceConversation(ctx, { type: 'conversation:rewrap-needed', conversationId });
}

async function viewFor(ctx: ServerContext, actor: Member, row: ConversationRow): Promise<ConversationView> {
  return conversationView(row, await unreadFor(ctx.db, row.id, actor.userId));
}

/** `POST …/claim`: take a waiting conversation from the queue. */
export const claimConversation = conversationAct(
  claimableConversation,
  async (ctx, actor, conversation, now): Promise<ConversationView> => {
    const id = conversation.id;
    if (conversation.assigned_to === actor.userId) return viewFor(ctx, actor, conversation);
    // claimableConversation let through only those who read everything or, on shift, may claim.
    if (!mayClaim(actor)) throw new DomainError('forbidden', 'you may not claim conversations');
    const { row, handover } = await ctx.db.transaction(async (tx) => {
      const claimed = await claimIfUnassigned(tx, id, actor.userId);
      if (!claimed) throw conflict('someone else has already taken this conversation');
      const handover = await afterHandover(tx, id, actor.userId, now);
      await auditMemberAct(
        tx,
        actor,
        id,
        'conversations.assigned',
        { how: 'claim', assignee: actor.userId },
        now,
      );
      return { row: claimed, handover };
    });
    await announceHandover(ctx, id, handover);
    return viewFor(ctx, actor, row);
  },
);

/** The conversation, if this member may hand it over: its assignee, or someone who may assign. */
async function transferableConversation(
  ctx: ServerContext,
  actor: Member,
  id: string,
): Promise<ConversationRow> {
  const conversation = await visibleConversation(ctx, actor, id);
  if (conversation.assigned_to !== actor.userId && !mayAssign(actor))
    throw new DomainError('forbidden', 'only the assignee or someone who may assign can transfer this');
  return conversation;
}

/**
 * `GET …/transfer-targets`: the members on shift now (the call router's answer) who may hold
 * conversations, by name, the current assignee left out. A volunteer cannot read the member
 * list; this tells them names of colleagues on shift and nothing else (no keys, no numbers).
 */
export const transferTargets = conversationAct(
  transferableConversation,
  async (ctx, _actor, conversation, now): Promise<TransferTargetsResponse> => {
    const onShift = await eligibleVolunteers(ctx, now);
    const canHold = new Set(
      (await activeUsersHolding(ctx.db, 'conversations:read-assigned')).map((u) => u.id),
    );
    const ids = onShift.userIds.filter(
      (userId) => canHold.has(userId) && userId !== conversation.assigned_to,
    );
    const names = await memberNames(ctx.db, ids);
    return { targets: names.map((m) => ({ id: m.id, displayName: m.display_name })) };
  },
);

/** `POST …/transfer {to}`: the assignee hands over, or someone who may assign moves it. */
export const transferConversation = conversationAct(
  transferableConversation,
  async (ctx, actor, conversation, now, to: string): Promise<ConversationView> => {
    const id = conversation.id;
    const target = await findMember(ctx.db, to);
    if (!target?.active) throw notFound('no such active member');
    const canHold = (await activeUsersHolding(ctx.db, 'conversations:read-assigned')).some(
      (u) => u.id === to,
    );
    if (!canHold) throw invalid('that member cannot hold conversations');
    const { row, handover } = await ctx.db.transaction(async (tx) => {
      const locked = await lockConversation(tx, id);
      if (!locked) throw notFound('no such conversation');
      if (locked.assigned_to !== conversation.assigned_to)
        throw conflict('the conversation changed hands meanwhile; reload it');
      const moved = await assignConversation(tx, id, to, now);
      if (!moved) throw notFound('no such conversation');
      const handover = await afterHandover(tx, id, to, now);
      const from = conversation.assigned_to ?? 'queue';
      await auditMemberAct(tx, actor, id, 'conversations.transferred', { from, to }, now);
      return { row: moved, handover };
    });
    await announceHandover(ctx, id, handover);
    return viewFor(ctx, actor, row);
  },
);

/** `POST …/close` and `…/reopen`: the assignee, or someone who reads every conversation. */
export const closeConversation = conversationAct(visibleConversation, (ctx, actor, conversation, now) =>
  setClosed(ctx, actor, conversation, now, true),
);

export const reopenConversation = conversationAct(visibleConversation, (ctx, actor, conversation, now) =>
  setClosed(ctx, actor, conversation, now, false),
);

async function setClosed(
  ctx: ServerContext,
  actor: Member,
  conversation: ConversationRow,
  now: Date,
  closing: boolean,
): Promise<ConversationView> {
  const id = conversation.id;
  ensureHandles(actor, conversation);
  const row = await ctx.db.transaction(async (tx) => {
    const changed = closing
      ? await closeConversationRow(tx, id, now)
      : await reopenConversationRow(tx, id, now);
    if (!changed)
      throw conflict(closing ? 'this conversation is already closed' : 'this conversation is not closed');
    if (closing) await auditMemberAct(tx, actor, id, 'conversations.closed', {}, now);
    else await auditMemberAct(tx, actor, id, 'conversations.reopened', { by: 'member' }, now);
    return changed;
  });
  await announceConversation(ctx, { type: 'conversation:updated', conversationId: id });
  return viewFor(ctx, actor, row);
}

/** `POST …/read`: everything so far counts as read for this member. */
export const markConversationRead = conversationAct(
  visibleConversation,
  async (ctx, actor, conversation, now): Promise<ConversationView> => {
    await markRead(ctx.db, conversation.id, actor.userId, now);
    return viewFor(ctx, actor, conversation);
  },
);
