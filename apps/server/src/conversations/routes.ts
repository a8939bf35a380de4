import {
  ConversationIdParam,
  ConversationListQuery,
  ConversationMediaParam,
  ConversationMessageParam,
  PostWrapsBody,
  RetryMessageBody,
  SendMessageBody,
  TransferConversationBody,
} from '@llamenos/protocol';
import type { Hono } from 'hono';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { endpoint } from '../http/endpoint.js';
import { requires } from '../http/guard.js';
import { jsonLinesResponse } from '../http/json-lines.js';
import { routeGroups } from '../http/route-groups.js';
import { sealedFileResponse } from '../http/sealed-file.js';
import {
  claimConversation,
  closeConversation,
  markConversationRead,
  reopenConversation,
  transferConversation,
  transferTargets,
} from './assignment.js';
import { exportConversation } from './export.js';
import { mediaFile } from './media.js';
import { rebalanceSoon } from './queue.js';
import { retryReply, sendReply } from './replies.js';
import { postWraps, rewrapRequests } from './rewrap.js';
import { conversationDetail, conversationList } from './service.js';

/**
 * The inbox API (PROTOCOL.md §9.3). Each route parses, calls a service and answers; who may see
 * or act on which conversation is decided in access.ts, past the permission guard here.
 */

export function conversationRoutes(ctx: ServerContext): Hono<AppEnv> {
  return routeGroups(ctx, inboxRoutes, handlingRoutes, messageRoutes);
}

/** The inbox list, a conversation's export, and one conversation's reads. */
function inboxRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get(
    '/conversations',
    requires('conversations:read-assigned'),
    endpoint({ query: ConversationListQuery }, ({ c, query }) => conversationList(ctx, memberOf(c), query)),
  );

  const one = { query: 'none', params: ConversationIdParam } as const;
  app.get(
    '/conversations/:id/export',
    requires('conversations:read-all'),
    endpoint(one, async ({ c, params }) =>
      jsonLinesResponse(c, await exportConversation(ctx, memberOf(c), params.id)),
    ),
  );

  // One conversation's reads, each answering what its service returns: the conversation itself;
  // whom the assignee may hand over to, by name (a volunteer cannot read the member list); the
  // records a new reader still needs re-wrapped.
  const reads = [
    ['', conversationDetail],
    ['/transfer-targets', transferTargets],
    ['/rewrap-requests', rewrapRequests],
  ] as const;
  for (const [path, read] of reads)
    app.get(
      `/conversations/:id${path}`,
      requires('conversations:read-assigned'),
      endpoint(one, ({ c, params }) => read(ctx, memberOf(c), params.id)),
    );
}

/** Who holds a conversation and its state: claim, transfer, close, reopen, mark read. */
function handlingRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  // The acts that answer with the conversation as they leave it.
  const acts = [
    ['claim', 'conversations:claim', claimConversation],
    ['reopen', 'conversations:read-assigned', reopenConversation],
    ['read', 'conversations:read-assigned', markConversationRead],
  ] as const;
  const one = { params: ConversationIdParam };
  for (const [act, permission, run] of acts)
    app.post(
      `/conversations/:id/${act}`,
      requires(permission),
      endpoint(one, async ({ c, params }) => ({ conversation: await run(ctx, memberOf(c), params.id) })),
    );

  // The acts after which the one who held it may have a free place: the queue is offered again.
  app.post(
    '/conversations/:id/transfer',
    requires('conversations:read-assigned'),
    endpoint({ ...one, body: TransferConversationBody }, async ({ c, params, body }) => {
      const conversation = await transferConversation(ctx, memberOf(c), params.id, body.to);
      rebalanceSoon(ctx);
      return { conversation };
    }),
  );

  app.post(
    '/conversations/:id/close',
    requires('conversations:read-assigned'),
    endpoint(one, async ({ c, params }) => {
      const conversation = await closeConversation(ctx, memberOf(c), params.id);
      rebalanceSoon(ctx);
      return { conversation };
    }),
  );
}

/** Replies, the re-wrap of earlier messages for a new reader, and the encrypted attachments. */
function messageRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.post(
    '/conversations/:id/messages',
    requires('conversations:reply'),
    endpoint(
      { params: ConversationIdParam, body: SendMessageBody, status: 201 },
      async ({ c, params, body }) => ({
        message: await sendReply(ctx, memberOf(c), params.id, body),
      }),
    ),
  );

  app.post(
    '/conversations/:id/messages/:mid/retry',
    requires('conversations:reply'),
    endpoint({ params: ConversationMessageParam, body: RetryMessageBody }, async ({ c, params, body }) => ({
      message: await retryReply(ctx, memberOf(c), params.id, params.mid, body.body),
    })),
  );

  app.post(
    '/conversations/:id/wraps',
    requires('conversations:read-assigned'),
    endpoint({ params: ConversationIdParam, body: PostWrapsBody }, ({ c, params, body }) =>
      postWraps(ctx, memberOf(c), params.id, body),
    ),
  );

  // The encrypted attachment, streamed from the attachment store as it is stored.
  app.get(
    '/conversations/:id/media/:mediaId',
    requires('conversations:read-assigned'),
    endpoint({ query: 'none', params: ConversationMediaParam }, async ({ c, params }) =>
      sealedFileResponse(c, await mediaFile(ctx, memberOf(c), params.id, params.mediaId)),
    ),
  );
}
