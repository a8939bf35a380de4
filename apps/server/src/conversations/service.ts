import type {
  ConversationDetail,
  ConversationListQuery,
  ConversationListResponse,
  MessageMediaView,
} from '@llamenos/protocol';
import type { Member } from '../domain/actor.js';
import type { ServerContext } from '../http/context.js';
import { isOnShift, mayClaim, readsAll, visibleConversation } from './access.js';
import { listConversations, mediaOfConversation, messagesWithWrap, unreadFor } from './store.js';
import { conversationView, mediaView, messageView } from './views.js';

/**
 * The inbox. Admins (conversations:read-all) see every conversation; a volunteer sees their own
 * and, while on shift with conversations:claim, the unassigned queue.
 */
export async function conversationList(
  ctx: ServerContext,
  actor: Member,
  query: ConversationListQuery,
): Promise<ConversationListResponse> {
  const all = readsAll(actor);
  const scope = query.scope ?? 'all';
  // A volunteer's "all" is their own plus the queue while they may take from it.
  const queue = all || (mayClaim(actor) && (await isOnShift(ctx, actor.userId)));
  const only =
    scope === 'mine'
      ? { mine: true, queue: false }
      : scope === 'queue'
        ? { mine: false, queue }
        : all
          ? null
          : { mine: true, queue };
  const { rows, total } = await listConversations(ctx.db, {
    userId: actor.userId,
    only,
    status: query.status,
    limit: query.limit,
    offset: query.offset,
  });
  return { conversations: rows.map((r) => conversationView(r, r.unread)), total };
}

/** One conversation with every message; each envelope carries the caller's own wrap only. */
export async function conversationDetail(
  ctx: ServerContext,
  actor: Member,
  id: string,
): Promise<ConversationDetail> {
  const conversation = await visibleConversation(ctx, actor, id);
  const [messages, media] = await Promise.all([
    messagesWithWrap(ctx.db, id, actor.pubkey),
    mediaOfConversation(ctx.db, id, actor.pubkey),
  ]);
  const mediaByMessage = new Map<string, MessageMediaView[]>();
  for (const m of media) {
    const list = mediaByMessage.get(m.message_id) ?? [];
    list.push(mediaView(m));
    mediaByMessage.set(m.message_id, list);
  }
  return {
    conversation: conversationView(conversation, await unreadFor(ctx.db, id, actor.userId)),
    messages: messages.map((m) => messageView(m, actor.pubkey, mediaByMessage.get(m.id) ?? [])),
  };
}
