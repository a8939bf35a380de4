import { removingAttachments } from '../attachments/service.js';
import { appendAuditInTx } from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import { listChannelConfigRows } from '../messaging/config-store.js';
import { startPeriodicJob } from '../records/retention.js';
import { loadSettings } from '../settings/store.js';
import { processMedia } from './media.js';
import { rebalanceConversations } from './queue.js';
import { sendDueNotices } from './replies.js';
import { activeMembersWithGrants, deleteConversations, lockClosedBefore, takeDueMedia } from './store.js';
import { warmInboundPath } from './warm-up.js';

/**
 * The conversations' timed work: the queue offered to whoever came on shift (queue.ts); attachments whose fetch or provider delete failed (or whose
 * first attempt died with its process) are retried when due, from any process, and so are the
 * automatic replies owed to contacts (the outbox, replies.ts); closed conversations past the
 * retention period (settings messaging.retentionDays) are deleted.
 */

const DAY_MS = 24 * 3600 * 1000;
const MEDIA_LEASE_MS = 5 * 60_000;
const MEDIA_BATCH = 20;

/**
 * Runs every attachment job and automatic reply that is due at `now`; returns how many
 * attachment jobs were attempted (the replies: sendDueNotices).
 */
export async function tickConversationTimers(ctx: ServerContext, now: Date): Promise<number> {
  // Who is on shift changes with the clock, not only with an edit: the queue is offered each tick.
  await rebalanceConversations(ctx, now);
  // Before the media: a contact waiting to hear they were heard goes first.
  await sendDueNotices(ctx, now);
  const due = await takeDueMedia(ctx.db, now, MEDIA_LEASE_MS, MEDIA_BATCH);
  for (const media of due) {
    const channel = await ctx.conversations.channelFor(media.channel);
    // No adapter for that channel in this process (yet): the lease lapses and it comes back.
    if (channel) await processMedia(ctx, channel, media.id);
  }
  return due.length;
}

export interface ConversationTimers {
  /**
   * The start's warm-up done (or given up): the sealing tables and an arriving text's path. The
   * server listens only after it (server.ts), so a process's first webhooks do not wait behind it.
   */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

export function startConversationTimers(ctx: ServerContext, intervalMs = 5000): ConversationTimers {
  // Arriving texts are sealed in threads of their own (seal-pool.ts): started with the server
  // when a text channel is set up (before the tables are made, so that theirs are made too), else
  // at the first text (a process that never receives one spawns none).
  let stopSealing: () => Promise<void> = async () => {};
  let takesTexts = false;
  // The sealer's tables for today's readers, before the first text needs them (reader-tables.ts);
  // then, where a text channel is set up, an arriving text's path run on throwaway data
  // (warm-up.ts), so the first texts after a start are not taken in by unoptimised code.
  const warming = listChannelConfigRows(ctx.db)
    .then((channels) => {
      takesTexts = channels.some((c) => !c.disabled);
      stopSealing = ctx.conversations.startSealing({ lazy: !takesTexts });
    })
    .then(() => activeMembersWithGrants(ctx.db))
    .then((members) => ctx.conversations.readerTables.warm(members))
    .then(async () => {
      if (!takesTexts) return;
      // The threads' warm-up seals in them, so they must be loaded first.
      await ctx.conversations.sealPool?.ready;
      await warmInboundPath(ctx);
    })
    .catch((error: unknown) =>
      ctx.log.warn({ err: { name: (error as Error)?.name } }, 'reader tables not made at start'),
    );
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running || ctx.callTimers.paused) return;
    running = tickConversationTimers(ctx, ctx.now())
      .catch((error: unknown) =>
        ctx.log.error({ err: { name: (error as Error)?.name } }, 'conversation timer failed'),
      )
      .finally(() => {
        running = null;
      });
  };
  // Ticking starts with the warm-up done: a tick's work would only queue behind it.
  let stopped = false;
  let timer: ReturnType<typeof setInterval> | null = null;
  const ready = warming.then(() => {
    if (stopped) return;
    timer = setInterval(tick, intervalMs);
    timer.unref();
  });
  const stopRetention = startPeriodicJob(
    ctx,
    async () => {
      await purgeExpiredConversations(ctx, ctx.now());
    },
    'conversation retention failed',
  );
  return {
    ready,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await warming;
      await running;
      await stopRetention();
      await stopSealing();
    },
  };
}

/**
 * Deletes closed conversations whose last message is older than messaging.retentionDays (0 keeps
 * them): their media through the attachments module's one removal (rows, wraps, and the files
 * from disk once the deletion commits), then the rows, messages and wraps by cascade, in one
 * transaction. An open conversation is never purged, whatever its age. One audit entry per purge
 * that removed one.
 */
export async function purgeExpiredConversations(ctx: ServerContext, now: Date): Promise<number> {
  const { settings } = await loadSettings(ctx.db);
  const days = settings.messaging.retentionDays;
  if (days === 0) return 0;
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  return removingAttachments(ctx, async (tx, removeAttachments) => {
    const expired = await lockClosedBefore(tx, cutoff);
    if (!expired.length) return 0;
    const attachments = await removeAttachments({ conversationIds: expired });
    const conversations = await deleteConversations(tx, expired);
    await appendAuditInTx(
      tx,
      {
        action: 'conversations.purged',
        target: 'conversations',
        details: { conversations, attachments, days },
      },
      now,
    );
    return conversations;
  });
}
