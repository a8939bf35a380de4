import { randomUUID } from 'node:crypto';
import { LABEL_SERVER_FIELD } from '@llamenos/crypto';
import {
  type HotlineSettings,
  type MessageDelivery,
  type MessageView,
  messageRecordId,
  type SendMessageBody,
} from '@llamenos/protocol';
import type { Member } from '../domain/actor.js';
import { conflict, DomainError, forbidden, notFound, validationFailed } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { ChannelSendError } from '../messaging/channel.js';
import { isChannelDisabled } from '../messaging/config-service.js';
import { openAtRest, sealAtRest } from '../secrets/at-rest.js';
import { cachedSettings } from '../settings/cache.js';
import { currentReaders, ensureHandles, readsAll, visibleConversation } from './access.js';
import { NOTICE_QUIET_WAIT_MS } from './arrivals.js';
import { openContact } from './contact.js';
import { conversationAct } from './member-act.js';
import { announceConversation } from './notify.js';
import { sealMessage } from './seal.js';
import {
  type ConversationRow,
  type DueNotice,
  findMessage,
  forgoNotice,
  insertAutomaticReply,
  insertMessage,
  insertWraps,
  messageWithWrap,
  type NoticeKind,
  type OwedNotices,
  recordNoticeOutcome,
  recordSendOutcome,
  takeDueNotices,
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

/** What the provider answered to one hand-over, as it is recorded on the message. */
interface SendOutcome {
  providerMessageId: string | null;
  delivery: MessageDelivery;
  errorCode: string | null;
  retryable: boolean;
}

/** Hands `body` to the conversation's channel; what happened, to be recorded on the message. */
async function handOver(
  ctx: ServerContext,
  conversation: ConversationRow,
  messageId: string,
  body: string,
): Promise<SendOutcome> {
  const channel = await ctx.conversations.channelFor(conversation.channel);
  if (!channel)
    return { providerMessageId: null, delivery: 'failed', errorCode: 'channel-unavailable', retryable: true };
  try {
    const sent = await channel.send({
      to: openContact(ctx.keys, conversation.id, conversation.contact_enc),
      from: conversation.hotline_address,
      body,
    });
    return {
      providerMessageId: sent.providerMessageId,
      delivery: 'queued',
      errorCode: null,
      retryable: false,
    };
  } catch (error) {
    const refused = error instanceof ChannelSendError;
    if (!refused)
      ctx.log.warn({ messageId, err: { name: (error as Error)?.name } }, 'reply not handed to the provider');
    return {
      providerMessageId: null,
      delivery: 'failed',
      errorCode: refused ? error.code : 'unreachable',
      retryable: refused ? error.retryable : true,
    };
  }
}

/** Hands `body` to the conversation's channel and records what happened on the message. */
async function deliver(ctx: ServerContext, conversation: ConversationRow, messageId: string, body: string) {
  await recordSendOutcome(ctx.db, messageId, await handOver(ctx, conversation, messageId, body));
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

/*
 * Replies the hotline itself sends: the first-contact notice and "nobody is available". Each is
 * sealed by the server for the same readers as any message, so the volunteer sees what the
 * contact was told, and goes out through an outbox (conversation_notices) so that a process that
 * dies after the text that earned it, or a provider that is down for a moment, does not leave
 * the contact unanswered:
 * - the text's own statement records the notices it earns (store.ts storeHeldText; no
 *   statement of their own), each under the id its message will have, due to a timer
 *   NOTICE_LEASE_MS later;
 * - after the webhook's answer this process seals each one for the text's readers and stores
 *   it with its wraps in one statement (insertAutomaticReply: only while the outbox still owes
 *   it, once, by its message id), hands it to the provider and records the outcome (one
 *   statement): sent, or failed for good, the outbox row goes; a retryable failure is shown on
 *   the message ("pending", with the provider's error) and retried;
 * - any process's conversation timer (sendDueNotices) takes what is due through a guarded claim
 *   (store.ts takeDueNotices) and does the same: a notice never stored is sealed for the
 *   conversation's readers then, one stored and not handed over is sent as stored.
 * After NOTICE_RETRY_DELAYS_MS.length + 1 hand-overs it is left failed on the message, as a
 * volunteer's reply that failed is, for an admin to send again.
 */

/** When a timer takes over a notice from the process working on it: well past a provider send's timeout (10 s). */
export const NOTICE_LEASE_MS = 2 * 60_000;
/** The waits before each hand-over after the first that failed in a way a retry may mend. */
export const NOTICE_RETRY_DELAYS_MS: readonly number[] = [30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000];
/** Notices one timer tick takes at most. */
const NOTICE_BATCH = 20;
/**
 * Automatic replies one process works on at once, the rest waiting in order (ctx.conversations.
 * noticeTurns). Each is a seal on the server's thread, two statements, a provider request and a
 * hub event: in a storm's first seconds, every first contact's notice at once took the server's
 * thread and the pool's connections from the webhooks still arriving (messaging bench, 15 s, 400
 * first contacts at 200/s, loaded machine: first contacts' answers p99 3.6 s on PostgreSQL and
 * 3.7 s on PGlite, where 292 of the 400 sends also ran past the provider's time limit; one at a
 * time: 2.5 s and 0.26 s, every notice sent). They go out a few seconds later instead, and the
 * outbox keeps them if the process dies first.
 */
export const NOTICES_AT_ONCE = 1;

/** Runs work at most `limit` pieces at once, the others in the order they came. */
export type WorkTurns = <T>(work: () => Promise<T>) => Promise<T>;

export function workTurns(limit: number): WorkTurns {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    // A finished piece hands its turn straight to the next (running stays counted), so a newcomer
    // cannot slip in between.
    if (running < limit) running += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

/** A notice owed to a contact, with its text as the settings said when it was earned. */
export type OwedNotice = OwedNotices['owed'][number] & { text: string };

/** The text of a notice in the hotline's first language that has one (English, else any, after). */
export function noticeText(kind: NoticeKind, settings: HotlineSettings): string {
  const texts =
    kind === 'first-contact' ? settings.messaging.firstContactReply : settings.messaging.noVolunteerReply;
  for (const language of [...settings.languages, 'en']) {
    const text = texts[language];
    if (text) return text;
  }
  return Object.values(texts).find(Boolean) ?? '';
}

/**
 * The notices an arriving text earns: the first-contact notice for a new conversation, and
 * "nobody is available" when a new or reopened one waits for a volunteer; none to a contact who
 * opted out (STOP), and none whose text an admin left empty.
 */
export function owedNotices(
  settings: HotlineSettings,
  arrival: { fresh: boolean; reopened: boolean; assignedTo: string | null; optedOut: boolean },
): OwedNotice[] {
  if (arrival.optedOut) return [];
  const kinds: NoticeKind[] = [];
  if (arrival.fresh) kinds.push('first-contact');
  // Nobody took it: the contact learns they have been heard and must wait.
  if ((arrival.fresh || arrival.reopened) && !arrival.assignedTo) kinds.push('no-volunteer');
  return kinds
    .map((kind) => ({ id: randomUUID(), kind, text: noticeText(kind, settings) }))
    .filter((n) => n.text);
}

/** The outbox rows for owed notices, due to a timer if this process does not send them first. */
export const noticesDue = (owed: readonly OwedNotice[], now: Date): OwedNotices => ({
  owed: owed.map(({ id, kind }) => ({ id, kind })),
  dueAt: new Date(now.getTime() + NOTICE_LEASE_MS),
});

/** A notice's text at rest until it is sent (the outbox row), bound to its message id. */
const noticeBodyRecordId = (messageId: string) => `conversation_notices/${messageId}/body`;

/**
 * Sends the notices an arriving text earned (its statement recorded them), after the webhook's
 * answer: sealed for `readers` (the text's, read with its first look: no read of the members),
 * each stored with its wraps in one statement (issue 10: the first-contact reply of the default
 * settings was more than half of a first contact's work on the server's thread).
 */
export async function sendOwedNotices(
  ctx: ServerContext,
  conversation: ConversationRow,
  owed: readonly OwedNotice[],
  readers: readonly string[],
): Promise<void> {
  // Each in its turn, in a moment when no text is being taken in, or once it has waited long
  // enough (arrivals.ts: in a burst the webhooks are answered first).
  const earned = Date.now();
  for (const notice of owed)
    await ctx.conversations.noticeTurns(async () => {
      await ctx.conversations.arrivals.quiet(earned + NOTICE_QUIET_WAIT_MS - Date.now());
      await storeAndSendNotice(ctx, conversation, notice, readers);
    });
}

/** Seals, stores and hands over one notice the outbox owes; nothing if it is stored already (by another process). */
async function storeAndSendNotice(
  ctx: ServerContext,
  conversation: ConversationRow,
  notice: { id: string; text: string },
  readers: readonly string[],
): Promise<void> {
  const now = ctx.now();
  // A key of its own (the process's agreement, no reuse window): the server shares an ephemeral
  // key across inbound texts only (PROTOCOL.md §6, "One ephemeral key for a short window").
  const sealed = sealMessage(notice.id, notice.text, readers, ctx.conversations.agreement);
  const attempt = await insertAutomaticReply(
    ctx.db,
    {
      id: notice.id,
      conversationId: conversation.id,
      channel: conversation.channel,
      ciphertext: sealed.ciphertext,
      recordId: messageRecordId(notice.id),
      bodyEnc: sealAtRest(
        ctx.keys.settingsKey,
        LABEL_SERVER_FIELD,
        noticeBodyRecordId(notice.id),
        notice.text,
      ),
    },
    sealed.wraps,
    now,
    new Date(now.getTime() + NOTICE_LEASE_MS),
  );
  if (attempt === null) return;
  await handOverNotice(ctx, conversation, notice.id, attempt, notice.text);
  await announceConversation(ctx, {
    type: 'message:new',
    conversationId: conversation.id,
    messageId: notice.id,
  });
}

/** Hand-over number `attempt` of a stored notice, and its outcome: sent, retried later, or failed for good. */
async function handOverNotice(
  ctx: ServerContext,
  conversation: ConversationRow,
  messageId: string,
  attempt: number,
  body: string,
): Promise<void> {
  const outcome = await handOver(ctx, conversation, messageId, body);
  const delay = NOTICE_RETRY_DELAYS_MS[attempt - 1];
  if (outcome.delivery === 'failed' && outcome.retryable && delay !== undefined) {
    // Shown as pending with the provider's error: no "send again" while the timer will.
    await recordNoticeOutcome(
      ctx.db,
      messageId,
      attempt,
      { ...outcome, delivery: 'pending', retryable: false },
      new Date(ctx.now().getTime() + delay),
    );
    return;
  }
  await recordNoticeOutcome(ctx.db, messageId, attempt, outcome, null);
}

/**
 * The conversation timer's part of the outbox: every notice due (one whose process died before
 * it was sent, or a retry), taken by this process alone. Returns how many were taken.
 */
export async function sendDueNotices(ctx: ServerContext, now: Date): Promise<number> {
  const due = await takeDueNotices(ctx.db, now, new Date(now.getTime() + NOTICE_LEASE_MS), NOTICE_BATCH);
  for (const notice of due) {
    try {
      await takeOverNotice(ctx, notice);
    } catch (error) {
      // Left to its lease: the next tick after it lapses tries again.
      ctx.log.warn({ err: { name: (error as Error)?.name } }, 'automatic reply not taken over');
    }
  }
  return due.length;
}

async function takeOverNotice(ctx: ServerContext, notice: DueNotice): Promise<void> {
  const { conversation } = notice;
  if (notice.stored) {
    // Stored and not handed over, or a retry: sent as stored, unless the contact said STOP since.
    if (conversation.opted_out || notice.body_enc === null) {
      await recordNoticeOutcome(
        ctx.db,
        notice.message_id,
        notice.attempts,
        { providerMessageId: null, delivery: 'failed', errorCode: 'opted-out', retryable: false },
        null,
      );
      await announceConversation(ctx, { type: 'conversation:updated', conversationId: conversation.id });
      return;
    }
    const body = openAtRest(
      ctx.keys.settingsKey,
      LABEL_SERVER_FIELD,
      noticeBodyRecordId(notice.message_id),
      notice.body_enc,
    );
    await handOverNotice(ctx, conversation, notice.message_id, notice.attempts, body);
    await announceConversation(ctx, { type: 'conversation:updated', conversationId: conversation.id });
    return;
  }
  // Earned and never stored (its process died first): as the settings say now, for whoever
  // reads the conversation now; "nobody is available" no longer if somebody took it meanwhile.
  const text = noticeText(notice.kind, await cachedSettings(ctx));
  if (conversation.opted_out || !text || (notice.kind === 'no-volunteer' && conversation.assigned_to)) {
    await forgoNotice(ctx.db, notice.message_id, notice.attempts);
    return;
  }
  const readers = await currentReaders(ctx.db, conversation.assigned_to);
  await storeAndSendNotice(ctx, conversation, { id: notice.message_id, text }, readers);
}
