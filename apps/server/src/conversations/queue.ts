import { appendAuditInTx } from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import { activeUsersHolding } from '../records/envelope.js';
import { cachedSettings } from '../settings/cache.js';
import { eligibleVolunteers } from '../shifts/views.js';
import { afterHandover, announceHandover, assignmentCandidates, assignRoundRobin } from './assignment.js';
import { announceConversation, conversationWork } from './notify.js';
import {
  activeMembersWithGrants,
  conversationHolders,
  conversationsHeldBy,
  lockOldestWaiting,
  releaseConversation,
} from './store.js';

/**
 * The queue moves when someone can take from it, not only when a new message arrives:
 * - a holder who can no longer hold (deactivated, or their roles lost conversations:read-assigned)
 *   gives their conversations back to the queue, audited; new messages are then sealed for the
 *   admins (and whoever is offered it next), never for them;
 * - waiting conversations are offered, longest-waiting first, to on-shift volunteers with a free
 *   place, by the same round robin as a new conversation (assignRoundRobin), each change of hands
 *   asking for the history's re-wrap (lesson 15).
 * It runs after a schedule change (shifts:changed), a membership change, a close or a transfer,
 * and on every conversation timer tick, since who is on shift also changes with the clock. Every
 * process may run it at once: each offer takes the assignment lock row and a guarded UPDATE.
 */

/** Most conversations one pass moves, so a pass stays short; the next tick does the rest. */
const PASS_LIMIT = 50;

export async function rebalanceConversations(ctx: ServerContext, now = ctx.now()): Promise<void> {
  await releaseUnheld(ctx, now);
  await offerWaiting(ctx, now);
}

/** The same pass, started without waiting for it (a request's answer need not wait). */
export function rebalanceSoon(ctx: ServerContext): void {
  conversationWork(ctx, 'queue', () => rebalanceConversations(ctx));
}

/** Gives back to the queue every conversation held by someone who may no longer hold it. */
export async function releaseUnheld(ctx: ServerContext, now: Date): Promise<number> {
  const holders = await conversationHolders(ctx.db);
  if (!holders.length) return 0;
  const able = new Set((await activeUsersHolding(ctx.db, 'conversations:read-assigned')).map((u) => u.id));
  const unable = holders.filter((id) => !able.has(id));
  const held = (await conversationsHeldBy(ctx.db, unable)).slice(0, PASS_LIMIT);
  let released = 0;
  for (const { id, assigned_to: from } of held) {
    const row = await ctx.db.transaction(async (tx) => {
      const freed = await releaseConversation(tx, id, from, now);
      if (freed)
        await appendAuditInTx(
          tx,
          {
            action: 'conversations.unassigned',
            target: `conversation:${id}`,
            details: { conversationId: id, from, reason: 'assignee-cannot-hold' },
          },
          now,
        );
      return freed;
    });
    if (!row) continue;
    released += 1;
    await announceConversation(ctx, { type: 'conversation:assigned', conversationId: id, assignee: null });
  }
  return released;
}

/** Offers waiting conversations, longest-waiting first, while someone on shift has a free place. */
export async function offerWaiting(ctx: ServerContext, now: Date): Promise<number> {
  let offered = 0;
  // Read before any transaction (assignRoundRobin says why).
  const onShift = await eligibleVolunteers(ctx, now);
  if (!onShift.userIds.length) return 0;
  const candidates = assignmentCandidates(
    await activeMembersWithGrants(ctx.db),
    onShift,
    await cachedSettings(ctx),
  );
  while (offered < PASS_LIMIT) {
    const given = await ctx.db.transaction(async (tx) => {
      const waiting = await lockOldestWaiting(tx);
      if (!waiting) return null;
      const assigned = await assignRoundRobin(tx, waiting.id, candidates, now);
      if (!assigned) return null;
      const chosen = assigned.assignee;
      const handover = await afterHandover(tx, waiting.id, chosen, now);
      await appendAuditInTx(
        tx,
        {
          action: 'conversations.assigned',
          target: `conversation:${waiting.id}`,
          details: { conversationId: waiting.id, how: 'from-queue', assignee: chosen },
        },
        now,
      );
      return { id: waiting.id, assignee: chosen, handover };
    });
    if (!given) break;
    offered += 1;
    await announceHandover(ctx, given.id, given.handover);
    // Their closed browser wakes too (Web Push says only "a message").
    ctx.events.emit('conversation:message-arrived', { conversationId: given.id, userIds: [given.assignee] });
  }
  return offered;
}
