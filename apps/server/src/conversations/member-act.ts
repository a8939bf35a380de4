import type { CanonicalValue } from '@llamenos/crypto';
import { appendAuditInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { Member } from '../domain/actor.js';
import type { ServerContext } from '../http/context.js';
import type { ConversationRow } from './store.js';

/**
 * The conversation with this id if the member may act on it in the way the act needs
 * (access.ts visibleConversation, assignment.ts transferableConversation, rewrap.ts
 * ensureHistoryReader); otherwise the refusal, mostly a not-found so its existence is not disclosed.
 */
export type ConversationAccess = (ctx: ServerContext, actor: Member, id: string) => Promise<ConversationRow>;

/**
 * A member's act on one conversation, as the routes call it: `(ctx, actor, id, …)`. The act's
 * time is read once, first, so every row and audit entry it writes carries the same instant;
 * then `access` refuses a member who may not act on this conversation before the act sees
 * anything of it, so no act can forget to ask.
 */
export function conversationAct<A extends unknown[], R>(
  access: ConversationAccess,
  act: (
    ctx: ServerContext,
    actor: Member,
    conversation: ConversationRow,
    now: Date,
    ...args: A
  ) => Promise<R>,
): (ctx: ServerContext, actor: Member, id: string, ...args: A) => Promise<R> {
  return async (ctx, actor, id, ...args) => {
    const now = ctx.now();
    return act(ctx, actor, await access(ctx, actor, id), now, ...args);
  };
}

/** The audit entry of a member's act on one conversation, in the act's own transaction. */
export function auditMemberAct(
  tx: Queryable,
  actor: Member,
  conversationId: string,
  action: string,
  details: Record<string, CanonicalValue>,
  now: Date,
): Promise<unknown> {
  return appendAuditInTx(
    tx,
    {
      action,
      actorPubkey: actor.pubkey,
      target: `conversation:${conversationId}`,
      details: { conversationId, ...details },
      ipHash: actor.ipHash,
    },
    now,
  );
}
