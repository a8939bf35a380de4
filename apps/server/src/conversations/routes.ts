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
import { requires } from '../http/guard.js';
import { routeGroups } from '../http/route-groups.js';
import { noQuery, readJson, readParams, readQuery } from '../http/validate.js';
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
  app.get('/conversations', requires('conversations:read-assigned'), async (c) => {
    const query = readQuery(c, ConversationListQuery);
    return c.json(await conversationList(ctx, memberOf(c), query));
  });

  app.get('/conversations/:id/export', requires('conversations:read-all'), async (c) => {
    noQuery(c);
    const { id } = readParams(c, ConversationIdParam);
    const stream = await exportConversation(ctx, memberOf(c), id);
    return c.body(stream, 200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
    });
  });

  // One conversation's reads, each answering what its service returns: the conversation itself;
  // whom the assignee may hand over to, by name (a volunteer cannot read the member list); the
  // records a new reader still needs re-wrapped.
  const reads = [
    ['', conversationDetail],
    ['/transfer-targets', transferTargets],
    ['/rewrap-requests', rewrapRequests],
  ] as const;
  for (const [path, read] of reads)
    app.get(`/conversations/:id${path}`, requires('conversations:read-assigned'), async (c) => {
      noQuery(c);
      const { id } = readParams(c, ConversationIdParam);
      return c.json(await read(ctx, memberOf(c), id));
    });
}

/** Who holds a conversation and its state: claim, transfer, close, reopen, mark read. */
function handlingRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  // The acts that answer with the conversation as they leave it.
  const acts = [
    ['claim', 'conversations:claim', claimConversation],
    ['reopen', 'conversations:read-assigned', reopenConversation],
    ['read', 'conversations:read-assigned', markConversationRead],
  ] as const;
  for (const [act, permission, run] of acts)
    app.post(`/conversations/:id/${act}`, requires(permission), async (c) => {
      const { id } = readParams(c, ConversationIdParam);
      return c.json({ conversation: await run(ctx, memberOf(c), id) });
    });

  app.post('/conversations/:id/transfer', requires('conversations:read-assigned'), async (c) => {
    const { id } = readParams(c, ConversationIdParam);
    const body = await readJson(c, TransferConversationBody);
    const conversation = await transferConversation(ctx, memberOf(c), id, body.to);
    // The one who handed it over may have a free place now: the queue is offered again.
    rebalanceSoon(ctx);
    return c.json({ conversation });
  });

  app.post('/conversations/:id/close', requires('conversations:read-assigned'), async (c) => {
    const { id } = readParams(c, ConversationIdParam);
    const conversation = await closeConversation(ctx, memberOf(c), id);
    rebalanceSoon(ctx);
    return c.json({ conversation });
  });
}

/** Replies, the re-wrap of earlier messages for a new reader, and the encrypted attachments. */
function messageRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.post('/conversations/:id/messages', requires('conversations:reply'), async (c) => {
    const { id } = readParams(c, ConversationIdParam);
    const body = await readJson(c, SendMessageBody);
    return c.json({ message: await sendReply(ctx, memberOf(c), id, body) }, 201);
  });

  app.post('/conversations/:id/messages/:mid/retry', requires('conversations:reply'), async (c) => {
    const { id, mid } = readParams(c, ConversationMessageParam);
    const body = await readJson(c, RetryMessageBody);
    return c.json({ message: await retryReply(ctx, memberOf(c), id, mid, body.body) });
  });

  app.post('/conversations/:id/wraps', requires('conversations:read-assigned'), async (c) => {
    const { id } = readParams(c, ConversationIdParam);
    const body = await readJson(c, PostWrapsBody);
    return c.json(await postWraps(ctx, memberOf(c), id, body));
  });

  // The encrypted attachment, streamed from the attachment store as it is stored.
  app.get('/conversations/:id/media/:mediaId', requires('conversations:read-assigned'), async (c) => {
    noQuery(c);
    const { id, mediaId } = readParams(c, ConversationMediaParam);
    const file = await mediaFile(ctx, memberOf(c), id, mediaId);
    return c.body(file.stream, 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(file.size),
      'cache-control': 'no-store',
    });
  });
}
