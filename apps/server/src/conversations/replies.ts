import { randomUUID } from 'node:crypto';
import { type MessageView, messageRecordId, type SendMessageBody } from '@llamenos/protocol';
import type { Member } from '../domain/actor.js';
import { conflict, DomainError, forbidden, notFound, validationFailed } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { ChannelSendError } from '../messaging/channel.js';
import { isChannelDisabled } from '../messaging/config-service.js';
import { currentReaders, ensureHandles, readsAll, visibleConversation } from './access.js';
import { openContact } from './contact.js';
import { conversationAct } from './member-act.js';
import { announceConversation } from './notify.js';
import { sealMessage } from './seal.js';
import {
  type ConversationRow,
  findMessage,
  insertAutomaticReply,
  insertMessage,
  insertWraps,
  messageWithWrap,
  recordSendOutcome,
  takeForRetry,
  touchConversation,
} from './store.js';
import { messageView } from './views.js';

/**
 * Replies. The browser seals the reply for the assignee and every admin and sends the
 * plaintext beside it; the server stores the envelope, hands the plaintext to the provider and
 * keeps nothing else of it. A refusal by the provider (ChannelSendError: WhatsApp's 24-hour
 * window, an unreachable API) is stored on the message with its code and whether a retry may
 * help, and shown; a retry sends the body again (the browser decrypts its own copy).
 */

/** Hands `body` to the conversation's channel and records what happened on the message. */
async function deliver(ctx: ServerContext, conversation: ConversationRow, messageId: string, body: string) {
  const channel = await ctx.conversations.channelFor(conversation.channel);
  if (!channel) {
    await recordSendOutcome(ctx.db, messageId, {
      providerMessageId: null,
      delivery: 'failed',
      errorCode: 'channel-unavailable',
      retryable: true,
    });
    return;
  }
  try {
    const sent = await channel.send({
      to: openContact(ctx.keys, conversation.id, conversation.contact_enc),
      from: conversation.hotline_address,
      body,
    });
    await recordSendOutcome(ctx.db, messageId, {
      providerMessageId: sent.providerMessageId,
      delivery: 'queued',
      errorCode: null,
      retryable: false,
    });
  } catch (error) {
    const refused = error instanceof ChannelSendError;
    if (!refused)
      ctx.log.warn({ messageId, err: { name: (error as Error)?.name } }, 'reply not handed to the provider');
    await recordSendOutcome(ctx.db, messageId, {
      providerMessageId: null,
      delivery: 'failed',
      errorCode: refused ? error.code : 'unreachable',
      retryable: refused ? error.retryable : true,
    });
  }
}

async function viewOf(ctx: ServerContext, actor: Member, messageId: string): Promise<MessageView> {
  const row = await messageWithWrap(ctx.db, messageId, actor.pubkey);
  if (!row) throw notFound('no such message');
  return messageView(row, actor.pubkey, []);
}

function ensureMaySend(conversation: ConversationRow): void {
  if (conversation.status === 'closed') throw conflict('this conversation is closed; reopen it to reply');
  if (conversation.opted_out)
    throw conflict('the contact has opted out (STOP); nothing can be sent until they send START');
}

/** A channel an admin disabled sends nothing: said before the reply is stored, not after. */
async function ensureChannelInService(ctx: ServerContext, conversation: ConversationRow): Promise<void> {
  if (await isChannelDisabled(ctx, conversation.channel))
    throw conflict(
      `the ${conversation.channel} channel is disabled by an admin; replies are sent again once it is enabled in Settings`,
    );
}

/** `POST …/messages`. */
export const sendReply = conversationAct(
  visibleConversation,
  async (ctx, actor, conversation, now, reply: SendMessageBody): Promise<MessageView> => {
    const conversationId = conversation.id;
    ensureHandles(actor, conversation);
    if (conversation.assigned_to !== actor.userId && !readsAll(actor))
      throw forbidden('only the assignee replies in this conversation');
    ensureMaySend(conversation);
    await ensureChannelInService(ctx, conversation);
    const required = new Set(await currentReaders(ctx.db, conversation.assigned_to));
    const given = new Set(reply.sealed.wraps.map((w) => w.reader));
    const missing = [...required].filter((r) => !given.has(r));
    const extra = [...given].filter((r) => !required.has(r));
    if (missing.length || extra.length || given.size !== reply.sealed.wraps.length)
      throw validationFailed('the reply must be sealed for exactly the assignee and every admin', {
        missing,
        extra,
      });
    const stored = await ctx.db.transaction(async (tx) => {
      const row = await insertMessage(
        tx,
        {
          id: reply.id,
          conversationId,
          direction: 'out',
          channel: conversation.channel,
          providerMessageId: null,
          ciphertext: reply.sealed.ciphertext,
          author: actor.userId,
          delivery: 'pending',
        },
        now,
      );
      if (!row) return false;
      await insertWraps(
        tx,
        conversationId,
        reply.sealed.wraps.map((w) => ({
          recordId: messageRecordId(reply.id),
          reader: w.reader,
          wrap: w.wrap,
        })),
      );
      await touchConversation(tx, conversationId, now, false);
      return true;
    });
    if (!stored) throw conflict('a message with this id exists already');
    await deliver(ctx, conversation, reply.id, reply.body);
    await announceConversation(ctx, { type: 'message:new', conversationId, messageId: reply.id });
    return viewOf(ctx, actor, reply.id);
  },
);

/** `POST …/messages/:mid/retry`. */
export const retryReply = conversationAct(
  visibleConversation,
  async (ctx, actor, conversation, _now, messageId: string, body: string): Promise<MessageView> => {
    const conversationId = conversation.id;
    ensureHandles(actor, conversation);
    ensureMaySend(conversation);
    await ensureChannelInService(ctx, conversation);
    const message = await findMessage(ctx.db, conversationId, messageId);
    if (message?.direction !== 'out') throw notFound('no such reply');
    if (message.author !== actor.userId && !readsAll(actor))
      throw new DomainError('forbidden', 'only the author of a reply retries it');
    if (!(await takeForRetry(ctx.db, messageId)))
      throw conflict('only a failed reply that may be retried can be sent again');
    await deliver(ctx, conversation, messageId, body);
    await announceConversation(ctx, { type: 'conversation:updated', conversationId });
    return viewOf(ctx, actor, messageId);
  },
);

/**
 * A reply the hotline itself sends (first-contact notice, "nobody is available"): sealed by the
 * server for the same readers as any message, so the volunteer sees what the contact was told.
 * Work a webhook leaves behind (ingest.ts), after its answer: sealed for `readers` when the caller
 * knows them (the inbound text's, read with its first look: no read of the members), and stored
 * with its wraps in one statement (issue 10: the first-contact reply of the default settings was
 * more than half of a first contact's work on the server's thread).
 */
export async function sendAutomaticReply(
  ctx: ServerContext,
  conversation: ConversationRow,
  text: string,
  knownReaders?: readonly string[],
): Promise<void> {
  if (conversation.opted_out || !text) return;
  const now = ctx.now();
  const id = randomUUID();
  const readers = knownReaders ?? (await currentReaders(ctx.db, conversation.assigned_to));
  if (!readers.length) return;
  // A key of its own (the process's agreement, no reuse window): the server shares an ephemeral
  // key across inbound texts only (PROTOCOL.md §6, "One ephemeral key for a short window").
  const sealed = sealMessage(id, text, readers, ctx.conversations.agreement);
  const stored = await insertAutomaticReply(
    ctx.db,
    {
      id,
      conversationId: conversation.id,
      channel: conversation.channel,
      ciphertext: sealed.ciphertext,
      recordId: messageRecordId(id),
    },
    sealed.wraps,
    now,
  );
  if (!stored) return;
  await deliver(ctx, conversation, id, text);
  await announceConversation(ctx, { type: 'message:new', conversationId: conversation.id, messageId: id });
}
