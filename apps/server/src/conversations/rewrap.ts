import type { PostWrapsBody, PostWrapsResponse, RewrapRequestsResponse } from '@llamenos/protocol';
import type { Member } from '../domain/actor.js';
import { conflict, forbidden, invalid, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { readsAll } from './access.js';
import { auditMemberAct, conversationAct } from './member-act.js';
import { announceConversation } from './notify.js';
import {
  completeRewrap,
  countUnwrappedFor,
  findConversation,
  findMember,
  holdsAnyWrap,
  insertWraps,
  pendingRewraps,
  recordsHeldBy,
  recordsToRewrap,
} from './store.js';

/**
 * History re-wrap (lesson 15). The server cannot open a message, so when a conversation changes
 * hands a member who can (an admin, or anyone who was a reader: the previous assignee) wraps each
 * key for the new assignee from their browser. The server accepts wraps only for the current
 * assignee, only for records of this conversation that the poster can open themselves (so a
 * stranger cannot plant a wrong wrap first), and one per record and reader.
 */

const MAX_ITEMS = 5000;

async function ensureHistoryReader(ctx: ServerContext, actor: Member, conversationId: string) {
  const conversation = await findConversation(ctx.db, conversationId);
  if (!conversation) throw notFound('no such conversation');
  if (readsAll(actor) || conversation.assigned_to === actor.userId) return conversation;
  if (await holdsAnyWrap(ctx.db, conversationId, actor.pubkey)) return conversation;
  throw notFound('no such conversation');
}

/** `GET …/rewrap-requests`: the caller's wraps of what the recipient lacks. */
export const rewrapRequests = conversationAct(
  ensureHistoryReader,
  async (ctx, actor, conversation): Promise<RewrapRequestsResponse> => {
    const conversationId = conversation.id;
    const requests = [];
    for (const request of await pendingRewraps(ctx.db, conversationId)) {
      if (request.recipient === actor.pubkey) continue;
      const items = await recordsToRewrap(ctx.db, conversationId, actor.pubkey, request.recipient, MAX_ITEMS);
      requests.push({
        id: request.id,
        conversationId,
        recipient: request.recipient,
        createdAt: request.created_at.toISOString(),
        items: items.map((i) => ({
          recordId: i.record_id,
          purpose: i.record_id.startsWith('attachment:') ? ('attachment' as const) : ('message' as const),
          wrap: i.wrap,
        })),
      });
    }
    return { requests };
  },
);

/** `POST …/wraps`. */
export const postWraps = conversationAct(
  ensureHistoryReader,
  async (ctx, actor, conversation, now, body: PostWrapsBody): Promise<PostWrapsResponse> => {
    const conversationId = conversation.id;
    const assignee = conversation.assigned_to ? await findMember(ctx.db, conversation.assigned_to) : null;
    if (!assignee?.active || assignee.pubkey !== body.recipient)
      throw conflict('wraps are accepted only for the current assignee');
    const recordIds = body.wraps.map((w) => w.recordId);
    if (new Set(recordIds).size !== recordIds.length) throw invalid('a record appears twice');
    const held = await recordsHeldBy(ctx.db, conversationId, actor.pubkey, recordIds);
    const foreign = recordIds.filter((r) => !held.has(r));
    if (foreign.length)
      throw forbidden(
        `${foreign.length} of these records are not in this conversation or not readable by you`,
      );
    const result = await ctx.db.transaction(async (tx) => {
      const stored = await insertWraps(
        tx,
        conversationId,
        body.wraps.map((w) => ({ recordId: w.recordId, reader: body.recipient, wrap: w.wrap })),
      );
      const remaining = await countUnwrappedFor(tx, conversationId, body.recipient);
      if (remaining === 0) await completeRewrap(tx, conversationId, body.recipient, now);
      if (stored)
        await auditMemberAct(
          tx,
          actor,
          conversationId,
          'conversations.rewrapped',
          { recipient: body.recipient, stored, remaining },
          now,
        );
      return { stored, remaining };
    });
    // The new assignee's open thread re-reads now rather than waiting for a look of its own.
    if (result.stored) await announceConversation(ctx, { type: 'conversation:updated', conversationId });
    return result;
  },
);
