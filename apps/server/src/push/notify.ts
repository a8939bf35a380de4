import type { ServerContext } from '../http/context.js';
import { sendNotice } from './send.js';
import { type SubscriptionRow, subscriptionsOf, subscriptionsOfNewlyRung } from './store.js';

/**
 * When the hotline wakes a member's closed browser. Both are subscribed to the event bus in
 * server.ts; the notice says only "a call" or "a message" and when (PushNotice).
 */

/**
 * A call rings more volunteers (call:rung, once per queue round that offered it): the ones this
 * round rang (on shift, not busy: its newest live legs), each woken once per call. The queue
 * round hands over their subscriptions, read with its legs; otherwise they are read here.
 */
export async function pushForRingingCall(
  ctx: ServerContext,
  callId: string,
  rung?: readonly SubscriptionRow[],
): Promise<void> {
  const subscriptions = rung ?? (await subscriptionsOfNewlyRung(ctx.db, callId));
  await sendNotice(ctx, subscriptions, { type: 'call', at: ctx.now().getTime() });
}

/**
 * What the conversations module announces (`conversation:message-arrived` on the bus) when a
 * message arrives that members should see: who to wake, and nothing about the message.
 */
export interface MessageArrived {
  /** The conversation, for logs only: it is not sent to the push service. */
  conversationId: string;
  /** The members to wake (assigned volunteer, or those on shift for an unassigned one). */
  userIds: readonly string[];
}

export async function pushForNewMessage(ctx: ServerContext, arrived: MessageArrived): Promise<void> {
  const subscriptions = await subscriptionsOf(ctx.db, arrived.userIds);
  await sendNotice(ctx, subscriptions, { type: 'message', at: ctx.now().getTime() });
}
