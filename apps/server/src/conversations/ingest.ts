import { randomUUID } from 'node:crypto';
import { type CachedAgreement, cachedAgreement, secureRandom } from '@llamenos/crypto';
import { type HotlineSettings, type MessagingSettings, messageRecordId } from '@llamenos/protocol';
import { type AuditInput, appendAudit, appendAuditEntriesInTx, appendAuditInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import { DomainError } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import {
  CHANNEL_IDS,
  type ChannelId,
  ChannelInputError,
  type ConversationIngest,
  type InboundMessage,
  type MessagingChannel,
  type StatusUpdate,
} from '../messaging/channel.js';
import { cachedSettings } from '../settings/cache.js';
import { eligibleVolunteers, type ReadSchedule, scheduleWindow } from '../shifts/views.js';
import { readersAmong } from './access.js';
import { type Arrivals, arrivals } from './arrivals.js';
import {
  type AssignmentCandidates,
  afterHandover,
  announceHandover,
  assignmentCandidates,
  assignRoundRobin,
} from './assignment.js';
import { contactIdentity, sealContact, sealMediaRef } from './contact.js';
import { ephemeralKeyPairs } from './ephemeral-keys.js';
import { processMedia } from './media.js';
import { announceConversation, conversationWork } from './notify.js';
import { type PlacementQueue, placementQueue } from './placement-queue.js';
import { appendOnGuess, assignLeastRecentInOrder, insertConversationsLocking } from './placement-store.js';
import { READER_TABLES, type ReaderTables, readerTables } from './reader-tables.js';
import {
  NOTICES_AT_ONCE,
  noticesDue,
  type OwedNotice,
  owedNotices,
  sendOwedNotices,
  type WorkTurns,
  workTurns,
} from './replies.js';
import { messageAgreement, type SealedMessage, sealMessage } from './seal.js';
import { defaultSealWorkers, type SealPool, startSealPool } from './seal-pool.js';
import {
  activeMembersWithGrants,
  applyDeliveryStatus,
  type ConversationRow,
  type InboundLookup,
  insertConversation,
  insertMedia,
  insertMessage,
  insertOwedNotices,
  insertWraps,
  lockConversationOfContact,
  lookupInbound,
  type MemberWithGrants,
  reopenConversationRow,
  setOptedOut,
  storeHeldText,
  touchIfHeldBy,
} from './store.js';

/**
 * Encrypt on arrival (seed: "Incoming message"). A channel hands over a parsed, verified message;
 * the body and the sender's address exist only in this request's memory. The message is sealed
 * for the conversation's assignee (if any) and every admin, stored as ciphertext, and the
 * plaintext dropped; the contact is kept as a keyed hash and the last four digits.
 *
 * Order: a delivery the provider retries is recognised by its message id first (dedupe, also
 * enforced by a unique index); then the ban list and the per-contact rate limit shared with
 * calls; then the conversation is found or made, reopened, assigned; then the message sealed
 * and stored. The media are fetched after the answer (the timer retries them after a crash:
 * each row is due a few minutes after it was written).
 */

/** Longest inbound text kept (UTF-16 units); providers send far less (WhatsApp: 4096). */
export const MAX_INBOUND_BODY = 16_384;
export const MAX_INBOUND_MEDIA = 10;
/** When the timer takes over an attachment whose first attempt (in the webhook's process) never finished. */
export const MEDIA_TAKEOVER_MS = 5 * 60_000;

/** Builds the adapter of a channel from its stored configuration (messaging/registry.ts). */
export type ChannelResolver = (id: ChannelId) => Promise<MessagingChannel>;

/** The conversations module as the rest of the server sees it (`ctx.conversations`). */
export interface Conversations extends ConversationIngest {
  /** Adapters given directly (tests, or the channel that delivered a message in this process). */
  readonly channels: Map<ChannelId, MessagingChannel>;
  /** The adapter for replies and media retries: a given one, else built by the resolver; null if none. */
  channelFor(id: string): Promise<MessagingChannel | null>;
  /** The ECDH the server seals with, keeping a table per reader it wraps for (seal.ts). */
  readonly agreement: CachedAgreement;
  /** Those tables made ahead of the wraps that need them (reader-tables.ts). */
  readonly readerTables: ReaderTables;
  /**
   * Where placements wait for their transaction (placement-queue.ts): at most PLACEMENTS_AT_ONCE
   * of this process's at once, in order; first contacts waiting together are placed together,
   * up to PLACEMENT_BATCH in one transaction (placeFirstContacts).
   */
  readonly placements: PlacementQueue<FirstContact, Placed>;
  /** Where this process's automatic replies wait their turn (replies.ts NOTICES_AT_ONCE). */
  readonly noticeTurns: WorkTurns;
  /** The texts this process is taking in now: automatic replies wait for a moment with none (arrivals.ts). */
  readonly arrivals: Arrivals;
  /**
   * Seals an arriving text for `readers`: in a sealing thread once they run (seal-pool.ts), else
   * (not started, still loading, or failed) in this one with `agreement`.
   */
  seal(messageId: string, body: string, readers: readonly string[]): Promise<SealedMessage>;
  /**
   * Lets arriving texts be sealed in threads of their own (a started server:
   * startConversationTimers): started now, or (`lazy`, a hotline without a text channel yet) at
   * the first text. Returns their stop.
   */
  startSealing(options?: { workers?: number; lazy?: boolean }): () => Promise<void>;
  /** The sealing threads, if started (the benchmark waits for them to load). */
  readonly sealPool: SealPool | null;
  /**
   * Who is on shift for a first contact's placement, worked out once per minute for the same
   * schedule and settings (onShiftKept says why that is exact); `read` works it out.
   */
  onShiftThisMinute(
    settings: HotlineSettings,
    schedule: ReadSchedule,
    now: Date,
    read: () => Promise<OnShiftIds>,
  ): Promise<OnShiftIds>;
  /** scheduleWindow for an arriving text, worked out once per minute and time zone (scheduleWindowKept). */
  scheduleWindowThisMinute(now: Date, timeZone: string): Readonly<{ fromDate: string; toDate: string }>;
}

/** The on-shift members a placement offers a conversation to. */
type OnShiftIds = { userIds: readonly string[] };

/**
 * Who is on shift depends on the schedule (its fingerprint, read by each first contact's first
 * look, covers the shift tables, the window's exceptions and the named members' state), the
 * settings (time zone, fallback) and the instant, at minute precision: shift starts and
 * exceptions are "HH:MM" wall times and zone offsets are whole minutes, so every instant of one
 * UTC minute gets the same answer. In a storm of first contacts each one worked it out again
 * (zoned-time conversions per shift and date, issue 10); now the first of each minute does.
 */
function onShiftKept(): Conversations['onShiftThisMinute'] {
  let kept: { key: string; settings: HotlineSettings; value: Promise<OnShiftIds> } | null = null;
  return (settings, schedule, now, read) => {
    const key = `${Math.floor(now.getTime() / 60_000)}|${schedule.fromDate}|${schedule.toDate}|${schedule.fingerprint}`;
    if (kept && kept.key === key && kept.settings === settings) return kept.value;
    const entry = { key, settings, value: read() };
    kept = entry;
    // A failed read is not kept: the next placement reads again.
    entry.value.catch(() => {
      if (kept === entry) kept = null;
    });
    return entry.value;
  };
}

/**
 * scheduleWindow (the local dates whose shifts say who is on shift), worked out once per UTC
 * minute and time zone rather than for every arriving text (issue 10: its zoned-time conversions
 * were a tenth of a millisecond of the server's thread per text in the profile). Exact: a local
 * date changes at a local midnight, and zone offsets are whole minutes, so every instant of one
 * UTC minute is on the same local date.
 */
function scheduleWindowKept(): Conversations['scheduleWindowThisMinute'] {
  let kept: { key: string; window: Readonly<{ fromDate: string; toDate: string }> } | null = null;
  return (now, timeZone) => {
    const key = `${Math.floor(now.getTime() / 60_000)}|${timeZone}`;
    if (kept?.key !== key) kept = { key, window: Object.freeze(scheduleWindow(now, timeZone)) };
    return kept.window;
  };
}

/**
 * Placement transactions one process runs at once (Conversations.placements). One: with the
 * wraps sealed off the event loop (seal-pool.ts) a second transaction no longer overlapped
 * anything but the first one's turn at the lock, and the first contacts arriving meanwhile were
 * split over two smaller batches (issue 10, profiling harness on PostgreSQL, 400 first contacts,
 * same minutes: 4.85-4.93 statements a text against 5.54-5.78 with two, the server's thread
 * 3.50-3.70 ms against 3.92-4.35 ms, no slower).
 */
export const PLACEMENTS_AT_ONCE = 1;
/**
 * First contacts placed in one transaction at most: the assignment lock is held for one
 * round-robin statement each, so a batch keeps the others waiting a few milliseconds, not more.
 */
export const PLACEMENT_BATCH = 16;

/**
 * The ephemeral key pairs this thread seals with (ephemeral-keys.ts): one WebAssembly instance
 * for every context of the process, loaded at the first text sealed here.
 */
const processEphemeralKeys = ephemeralKeyPairs();

export function createConversations(ctxOf: () => ServerContext, resolve?: ChannelResolver): Conversations {
  const channels = new Map<ChannelId, MessagingChannel>();
  // Per-reader tables for the ECDH (8-bit windows: up to 32 readers, about 1 MB each), ephemeral
  // keys from libsecp256k1 (WASM) once loaded at the first seal, OpenSSL's before (ephemeral-keys.ts).
  const agreement = cachedAgreement(READER_TABLES, secureRandom, processEphemeralKeys.pair, 8);
  // Arriving texts share one ephemeral key for a quarter of a second (seal.ts, MESSAGE_KEY_REUSE).
  const texts = messageAgreement(agreement);
  let pool: SealPool | null = null;
  let spawnPool: (() => void) | null = null;
  // The readers the tables were last made for: a pool started later makes theirs at once.
  let lastReaders: readonly string[] = [];
  const taking = arrivals();
  return {
    channels,
    agreement,
    readerTables: readerTables(
      agreement,
      (error) => ctxOf().log.warn({ err: { name: (error as Error)?.name } }, 'reader table not made'),
      // The sealing threads keep tables of their own, made at the same moments.
      (readers) => {
        lastReaders = readers;
        return pool?.prepare(readers) ?? Promise.resolve();
      },
    ),
    noticeTurns: workTurns(NOTICES_AT_ONCE),
    arrivals: taking,
    placements: placementQueue(PLACEMENTS_AT_ONCE, PLACEMENT_BATCH, (batch) =>
      placeFirstContacts(ctxOf(), batch),
    ),
    async channelFor(id) {
      if (!(CHANNEL_IDS as readonly string[]).includes(id)) return null;
      const given = channels.get(id as ChannelId);
      if (given) return given;
      if (!resolve) return null;
      try {
        return await resolve(id as ChannelId);
      } catch {
        return null;
      }
    },
    get sealPool() {
      return pool;
    },
    async seal(messageId, body, readers) {
      spawnPool?.();
      if (pool?.size)
        try {
          return await pool.seal(messageId, body, readers);
        } catch {
          // The thread failed or refused (a reader's key not on the curve): sealed here, where
          // the same error, if it is one, is thrown as it would be without a pool.
        }
      return sealMessage(messageId, body, readers, texts);
    },
    startSealing({ workers = defaultSealWorkers(), lazy = false } = {}) {
      if (pool || spawnPool) return async () => {};
      let started: SealPool | null = null;
      let stopped = false;
      const spawn = () => {
        spawnPool = null;
        if (stopped) return;
        started = startSealPool(workers, READER_TABLES, (error) =>
          ctxOf().log.warn({ err: { name: (error as Error)?.name } }, 'a sealing thread failed'),
        );
        pool = started;
        if (started && lastReaders.length) void started.prepare(lastReaders);
      };
      if (lazy) spawnPool = spawn;
      else spawn();
      return async () => {
        stopped = true;
        if (spawnPool === spawn) spawnPool = null;
        if (pool && pool === started) pool = null;
        await (started as SealPool | null)?.close();
      };
    },
    onShiftThisMinute: onShiftKept(),
    scheduleWindowThisMinute: scheduleWindowKept(),
    async receive(channel, message) {
      const done = taking.begin();
      try {
        return await receiveMessage(ctxOf(), channel, message);
      } finally {
        done();
      }
    },
    applyStatus: (channel, update) => applyStatusUpdate(ctxOf(), channel, update),
  };
}

type Keyword = 'stop' | 'start' | null;

function keywordOf(body: string, settings: MessagingSettings): Keyword {
  const word = body.trim().toUpperCase();
  if (!word || word.length > 20) return null;
  if (settings.stopKeywords.some((k) => k.toUpperCase() === word)) return 'stop';
  if (settings.startKeywords.some((k) => k.toUpperCase() === word)) return 'start';
  return null;
}

function checkSizes(message: InboundMessage): void {
  if (message.body.length > MAX_INBOUND_BODY)
    throw new ChannelInputError(`message text above ${MAX_INBOUND_BODY} characters`);
  if (message.media.length > MAX_INBOUND_MEDIA)
    throw new ChannelInputError(`more than ${MAX_INBOUND_MEDIA} attachments in one message`);
  if (!message.providerMessageId || message.providerMessageId.length > 200)
    throw new ChannelInputError('the provider message id is missing or too long');
}

/** Thrown inside the storing transaction to roll it back when the message is already stored. */
const DUPLICATE = Symbol('duplicate delivery');

export interface Placed {
  conversation: ConversationRow;
  fresh: boolean;
  reopened: boolean;
  handover: { assigneePubkey: string | null; rewrap: boolean } | null;
}

/** A contact's first text (the first look found no conversation) waiting for its placement. */
export interface FirstContact {
  channel: MessagingChannel;
  message: InboundMessage;
  contact: { hash: string; last4: string | null };
  members: readonly MemberWithGrants[];
  candidates: AssignmentCandidates;
  now: Date;
}

/**
 * Finds or makes the contact's conversation, reopens it, and assigns it if nobody holds it. A
 * contact's first text is the costly path (issue 10: at 200 texts/s with 400 new contacts, the
 * webhook's tail came from placements queued behind the assignment lock and the pool
 * connections they held meanwhile), so everything that does not need the lock is done before
 * it: who may be offered the conversation (from the first look's members, the kept settings and
 * shifts), the row itself (inserted first; only a contact seen before is looked for and locked),
 * and the new assignee's key (a new conversation has no history to re-wrap). Under the lock: one
 * statement choosing and assigning (store.ts assignLeastRecent) and the audit entry, committed
 * with it. First contacts that wait together share one transaction (placeFirstContacts). The
 * message's wraps are made after the commit (storeMessage).
 */
async function placeConversation(
  ctx: ServerContext,
  channel: MessagingChannel,
  message: InboundMessage,
  contact: { hash: string; last4: string | null },
  known: {
    seen: boolean;
    members: readonly MemberWithGrants[];
    settings: HotlineSettings;
    /** The schedule's fingerprint as the first look read it (then no statement checks the kept copy). */
    schedule?: ReadSchedule;
  },
  now: Date,
): Promise<Placed> {
  // Read before the transaction (assignRoundRobin says why).
  const onShift = await onShiftNow(ctx, known.settings, known.schedule, now);
  const candidates = assignmentCandidates(known.members, onShift, known.settings);
  if (!known.seen)
    return ctx.conversations.placements.batched({
      channel,
      message,
      contact,
      members: known.members,
      candidates,
      now,
    });
  return ctx.conversations.placements.one(() =>
    ctx.db.transaction(async (tx) => {
      const locate = () => lockConversationOfContact(tx, channel.id, message.to, contact.hash);
      const seen = await locate();
      // Gone since the first look (retention): made again, as for a first contact.
      const made = seen
        ? null
        : await insertConversation(tx, newConversation(ctx, channel, message, contact), now);
      const found = seen ?? made ?? (await locate());
      if (!found) throw new DomainError('conflict', 'conversation vanished while a message arrived');
      const audits: PlacementAudit[] = [];
      const lock = { taken: false };
      const placed = await settlePlacement(
        tx,
        found,
        made !== null,
        known.members,
        candidates,
        now,
        lock,
        audits,
      );
      await appendAuditEntriesInTx(tx, audits, ctx.caches.auditHead);
      return placed;
    }),
  );
}

/**
 * Who is on shift for an arriving text that is placed, or waits unassigned: kept per process and
 * checked against the fingerprint the first look read (Conversations.onShiftThisMinute), else
 * read (eligibleVolunteers, against the schedule's own kept copy).
 */
function onShiftNow(
  ctx: ServerContext,
  settings: HotlineSettings,
  schedule: ReadSchedule | undefined,
  now: Date,
): Promise<OnShiftIds> {
  const read = () => eligibleVolunteers(ctx, now, new Set(), ctx.db, schedule);
  return schedule ? ctx.conversations.onShiftThisMinute(settings, schedule, now, read) : read();
}

function newConversation(
  ctx: ServerContext,
  channel: MessagingChannel,
  message: InboundMessage,
  contact: { hash: string; last4: string | null },
) {
  const id = randomUUID();
  return {
    id,
    channel: channel.id,
    kind: channel.kind,
    hotlineAddress: message.to,
    contactHash: contact.hash,
    contactLast4: contact.last4,
    contactEnc: sealContact(ctx.keys, id, message.from),
  };
}

/**
 * First contacts waiting together, placed in one transaction: their rows in one insert, then
 * each in arrival order reopened, offered round robin (the lock taken once) and audited, one
 * commit for all. If the transaction fails, each is placed again in a transaction of its own, so
 * one that cannot be placed fails only its own webhook.
 */
async function placeFirstContacts(
  ctx: ServerContext,
  batch: readonly FirstContact[],
): Promise<PromiseSettledResult<Placed>[]> {
  try {
    const placed = await ctx.db.transaction((tx) => placeFirstContactsInTx(ctx, tx, batch));
    return placed.map((value) => ({ status: 'fulfilled', value }));
  } catch (error) {
    if (batch.length === 1) return [{ status: 'rejected', reason: error }];
    const outcomes: PromiseSettledResult<Placed>[] = [];
    for (const first of batch)
      outcomes.push(
        await ctx.db
          .transaction((tx) => placeFirstContactsInTx(ctx, tx, [first]))
          .then(
            ([value]) => ({ status: 'fulfilled', value: value as Placed }) as const,
            (reason: unknown) => ({ status: 'rejected', reason }) as const,
          ),
      );
    return outcomes;
  }
}

async function placeFirstContactsInTx(
  ctx: ServerContext,
  tx: Queryable,
  batch: readonly FirstContact[],
): Promise<Placed[]> {
  const rows = batch.map((f) => ({ ...newConversation(ctx, f.channel, f.message, f.contact), at: f.now }));
  // Inserted in contact order: two batches wait for each other's rows (the unique index) in one
  // order, never in a cycle. A contact with a conversation already (another delivery made it
  // meanwhile, or twice in this batch) gets none: found below instead. The assignment lock is
  // taken in the same statement, after the rows, when anyone may be offered one.
  const byContact = [...rows].sort((a, b) =>
    a.contactHash < b.contactHash ? -1 : a.contactHash > b.contactHash ? 1 : 0,
  );
  const offered = batch.some((f) => f.candidates.userIds.length > 0);
  const { inserted, locked } = await insertConversationsLocking(tx, byContact, offered);
  const lock = { taken: locked };
  // The fresh rows offered round robin in one statement, in arrival order, when the batch's
  // candidates are the same (they are worked out from the minute's kept answers: in a storm,
  // always); otherwise each in its turn below, as a row found already there is.
  const first = batch[0] as FirstContact;
  // The batch is placed at its latest arrival: its offers are noted, and audited, then.
  const latest = new Date(Math.max(...batch.map((f) => f.now.getTime())));
  const sameCandidates = batch.every(
    (f) =>
      f.candidates.capacity === first.candidates.capacity &&
      f.candidates.userIds.length === first.candidates.userIds.length &&
      f.candidates.userIds.every((id, i) => id === first.candidates.userIds[i]),
  );
  const given = sameCandidates
    ? await assignLeastRecentInOrder(
        tx,
        rows.filter((r) => inserted.has(r.id)).map((r) => r.id),
        first.candidates.userIds,
        first.candidates.capacity,
        latest,
      )
    : null;
  const audits: AuditInput[] = [];
  const placed: Placed[] = [];
  for (const [i, contact] of batch.entries()) {
    const row = inserted.get(rows[i]?.id as string);
    if (row && given) {
      const assigned = given.get(row.id);
      if (assigned) audits.push(assignedEntry(row.id, assigned.assignee));
      placed.push({
        conversation: assigned?.conversation ?? row,
        fresh: true,
        reopened: false,
        handover: assigned
          ? {
              assigneePubkey: contact.members.find((m) => m.id === assigned.assignee)?.pubkey ?? null,
              rewrap: false,
            }
          : null,
      });
      continue;
    }
    const found =
      row ??
      (await lockConversationOfContact(tx, contact.channel.id, contact.message.to, contact.contact.hash));
    if (!found) throw new DomainError('conflict', 'conversation vanished while a message arrived');
    const settled: PlacementAudit[] = [];
    placed.push(
      await settlePlacement(
        tx,
        found,
        row !== undefined,
        contact.members,
        contact.candidates,
        contact.now,
        lock,
        settled,
      ),
    );
    audits.push(...settled.map((entry) => entry.input));
  }
  // Every entry of the batch at the batch's latest arrival, in one statement (two when another
  // process appended since this one last did).
  await appendOnGuess(tx, audits, latest, ctx.caches.auditHead);
  return placed;
}

/** The audit entry of a conversation given round robin. */
function assignedEntry(conversationId: string, assignee: string): AuditInput {
  return {
    action: 'conversations.assigned',
    target: `conversation:${conversationId}`,
    details: { conversationId, how: 'round-robin', assignee },
  };
}

/** An audit entry of a placement, appended with the others of its transaction (appendAuditEntriesInTx). */
type PlacementAudit = Parameters<typeof appendAuditEntriesInTx>[1][number];

/**
 * The conversation found or made (locked by `tx`): reopened if closed, offered round robin if
 * nobody holds it; each change's audit entry is added to `audits`, which the caller appends in
 * the same transaction.
 */
async function settlePlacement(
  tx: Queryable,
  found: ConversationRow,
  fresh: boolean,
  members: readonly MemberWithGrants[],
  candidates: AssignmentCandidates,
  now: Date,
  lock: { taken: boolean },
  audits: PlacementAudit[],
): Promise<Placed> {
  let conversation = found;
  let reopened = false;
  if (conversation.status === 'closed') {
    conversation = (await reopenConversationRow(tx, conversation.id, now)) ?? conversation;
    reopened = true;
    audits.push({
      input: {
        action: 'conversations.reopened',
        target: `conversation:${conversation.id}`,
        details: { conversationId: conversation.id, by: 'contact' },
      },
      now,
    });
  }
  let handover: Placed['handover'] = null;
  if (!conversation.assigned_to) {
    const given = await assignRoundRobin(tx, conversation.id, candidates, now, lock);
    if (given) {
      conversation = given.conversation;
      const chosen = given.assignee;
      handover = fresh
        ? { assigneePubkey: members.find((m) => m.id === chosen)?.pubkey ?? null, rewrap: false }
        : await afterHandover(tx, conversation.id, chosen, now);
      audits.push({ input: assignedEntry(conversation.id, chosen), now });
    }
  }
  return { conversation, fresh, reopened, handover };
}

/** One inbound message on its way in: what every step after the first look needs. */
interface Delivery {
  channel: MessagingChannel;
  message: InboundMessage;
  contact: { hash: string; last4: string | null };
  keyword: Keyword;
  messageId: string;
  mediaIds: string[];
  now: Date;
}

interface Stored {
  conversation: ConversationRow;
  inserted: boolean;
}

async function receiveMessage(
  ctx: ServerContext,
  channel: MessagingChannel,
  message: InboundMessage,
): Promise<void> {
  checkSizes(message);
  const contact = contactIdentity(ctx.keys, message.from);
  const now = ctx.now();
  // The settings as the call path reads them (settings/cache.ts): no statement per message; a
  // change saved here is seen at once, one saved on another process within a second.
  const settings = await cachedSettings(ctx);
  // A delivery the provider retries, the ban list, the contact's limit, their conversation, its
  // readers, and the schedule's fingerprint if the text will be placed: one statement.
  const schedule = ctx.conversations.scheduleWindowThisMinute(now, settings.timeZone);
  const lookup = await lookupInbound(
    ctx.db,
    {
      channel: channel.id,
      providerMessageId: message.providerMessageId,
      hotlineAddress: message.to,
      contactHash: contact.hash,
    },
    {
      now,
      rateKey: `messages:contact:${contact.hash}`,
      rule: {
        limit: settings.messaging.messagesPerContactPerHour,
        windowSeconds: 3600,
        blockSeconds: settings.spam.blockMinutes * 60,
      },
      schedule,
    },
  );
  if (lookup.duplicate) return;
  // Members changed since the tables were made: the missing ones are made in the background.
  ctx.conversations.readerTables.seen(lookup.members);
  if (!(await admitContact(ctx, channel, contact, lookup, now))) return;

  // Most messages continue a conversation that is open and held: a plain read finds it, and the
  // guarded UPDATE below confirms it; a new, closed or waiting one goes through placement.
  const seen = lookup.conversation;
  // Read by the first look only for a text that is placed (no conversation, or one not active and held).
  const readSchedule: ReadSchedule | undefined =
    lookup.scheduleFingerprint === null
      ? undefined
      : { ...schedule, fingerprint: lookup.scheduleFingerprint };
  const placed: Placed =
    seen && seen.status === 'active' && seen.assigned_to
      ? { conversation: seen, fresh: false, reopened: false, handover: null }
      : await placeConversation(
          ctx,
          channel,
          message,
          contact,
          {
            seen: seen !== null,
            members: lookup.members,
            settings,
            schedule: readSchedule,
          },
          now,
        );
  const delivery: Delivery = {
    channel,
    message,
    contact,
    keyword: keywordOf(message.body, settings.messaging),
    messageId: randomUUID(),
    mediaIds: message.media.map(() => randomUUID()),
    now,
  };
  const outcome = await storeMessage(ctx, delivery, lookup.members, placed, settings);
  if (!outcome.stored)
    throw new DomainError('conflict', 'the conversation kept changing hands; the provider will retry');
  // Another delivery of the same provider message won the race: it does the rest, but for the
  // notices of a new conversation, which only the delivery that made it earned (the other found it
  // made): recorded here, in a statement of their own on this rare path, then sent.
  if (!outcome.stored.inserted) {
    const { conversation } = outcome.stored;
    if (outcome.placed.fresh && outcome.notices.length) {
      await insertOwedNotices(ctx.db, conversation.id, noticesDue(outcome.notices, now));
      conversationWork(ctx, 'automatic reply', () =>
        sendOwedNotices(ctx, conversation, outcome.notices, outcome.readers),
      );
    }
    return;
  }
  afterStored(
    ctx,
    delivery,
    outcome.placed,
    outcome.stored.conversation,
    settings,
    outcome.readers,
    readSchedule,
    outcome.notices,
  );
}

/** The ban list and the per-contact limit are the ones calls use (one person, one hash); lookupInbound read and counted. */
async function admitContact(
  ctx: ServerContext,
  channel: MessagingChannel,
  contact: { hash: string; last4: string | null },
  lookup: Pick<InboundLookup, 'banned' | 'blockedUntil'>,
  now: Date,
): Promise<boolean> {
  if (lookup.banned) {
    await appendAudit(
      ctx.db,
      {
        action: 'conversations.rejected',
        target: `channel:${channel.id}`,
        details: { reason: 'banned', contactLast4: contact.last4 ?? 'none' },
      },
      now,
    );
    return false;
  }
  if (lookup.blockedUntil) {
    ctx.log.warn(
      { channel: channel.id, contactLast4: contact.last4 },
      'message dropped: contact rate-limited',
    );
    return false;
  }
  return true;
}

/**
 * Sealed outside the transaction (the wraps are the costly part); if the conversation changed
 * hands, closed or went meanwhile, placed again and sealed again for the new readers.
 */
async function storeMessage(
  ctx: ServerContext,
  delivery: Delivery,
  firstMembers: readonly MemberWithGrants[],
  firstPlaced: Placed,
  settings: HotlineSettings,
): Promise<{ stored: Stored | null; placed: Placed; readers: readonly string[]; notices: OwedNotice[] }> {
  const { channel, message, contact, keyword, messageId, now } = delivery;
  let placed = firstPlaced;
  let stored: Stored | null = null;
  let members = firstMembers;
  let readers: readonly string[] = [];
  let notices: OwedNotice[] = [];
  for (let attempt = 0; attempt < 3 && !stored; attempt += 1) {
    if (attempt > 0) {
      // The members read with the first look serve the first seal; a second one reads them again.
      members = await activeMembersWithGrants(ctx.db);
      const again = await placeConversation(
        ctx,
        channel,
        message,
        contact,
        { seen: true, members, settings },
        now,
      );
      placed = {
        conversation: again.conversation,
        fresh: placed.fresh || again.fresh,
        reopened: placed.reopened || again.reopened,
        handover: again.handover ?? placed.handover,
      };
    }
    const sealedFor = placed.conversation.assigned_to;
    readers = readersAmong(members, sealedFor);
    if (!readers.length)
      throw new DomainError('unavailable', 'nobody can read messages yet: the hotline has no admin');
    const sealed = await ctx.conversations.seal(messageId, message.body, readers);
    // The automatic replies it earns, recorded with it (replies.ts: sent even if this process dies).
    const optedOut = keyword ? keyword === 'stop' : placed.conversation.opted_out;
    notices = owedNotices(settings, { ...placed, assignedTo: sealedFor, optedOut });
    if (!keyword && !message.media.length) {
      // Most messages: a text in a held conversation, stored in one statement (store.ts).
      const outcome = await storeHeldText(
        ctx.db,
        {
          conversationId: placed.conversation.id,
          sealedFor,
          messageId,
          recordId: messageRecordId(messageId),
          channel: channel.id,
          providerMessageId: message.providerMessageId,
          ciphertext: sealed.ciphertext,
          wraps: sealed.wraps,
          notices: noticesDue(notices, now),
        },
        now,
      );
      if (outcome === 'moved') continue;
      stored =
        outcome === 'duplicate'
          ? { conversation: placed.conversation, inserted: false }
          : { conversation: outcome, inserted: true };
      break;
    }
    stored = await storeWithExtras(ctx, delivery, placed.conversation, sealedFor, sealed, notices);
  }
  return { stored, placed, readers, notices };
}

/** A message with media or a STOP/START keyword: the message, its wraps, media and opt-out in one transaction. */
async function storeWithExtras(
  ctx: ServerContext,
  delivery: Delivery,
  placedConversation: ConversationRow,
  sealedFor: string | null,
  sealed: SealedMessage,
  notices: readonly OwedNotice[],
): Promise<Stored | null> {
  const { channel, message, keyword, messageId, mediaIds, now } = delivery;
  return ctx.db
    .transaction(async (tx) => {
      // Takes the row lock and moves the last-message times, only if the readers still hold.
      const conversation = await touchIfHeldBy(tx, placedConversation.id, sealedFor, now);
      if (!conversation) return null;
      const row = await insertMessage(
        tx,
        {
          id: messageId,
          conversationId: conversation.id,
          direction: 'in',
          channel: channel.id,
          providerMessageId: message.providerMessageId,
          ciphertext: sealed.ciphertext,
          author: null,
          delivery: 'received',
        },
        now,
      );
      // Another delivery of the same provider message won the race: undo the touch.
      if (!row) throw DUPLICATE;
      const recordId = messageRecordId(messageId);
      await insertWraps(
        tx,
        conversation.id,
        sealed.wraps.map((w) => ({ recordId, reader: w.reader, wrap: w.wrap })),
      );
      await insertOwedNotices(tx, conversation.id, noticesDue(notices, now));
      for (const [position, media] of message.media.entries()) {
        const id = mediaIds[position] as string;
        await insertMedia(
          tx,
          {
            id,
            messageId,
            conversationId: conversation.id,
            position,
            providerRefEnc: sealMediaRef(ctx.keys, id, media.ref),
            contentType: media.contentType?.slice(0, 100) ?? null,
          },
          now,
          new Date(now.getTime() + MEDIA_TAKEOVER_MS),
        );
      }
      if (keyword && (await setOptedOut(tx, conversation.id, keyword === 'stop')))
        await appendAuditInTx(
          tx,
          {
            action: keyword === 'stop' ? 'conversations.opted-out' : 'conversations.opted-in',
            target: `conversation:${conversation.id}`,
            details: { conversationId: conversation.id },
          },
          now,
        );
      return {
        conversation: { ...conversation, opted_out: keyword ? keyword === 'stop' : conversation.opted_out },
        inserted: true,
      };
    })
    .catch((error: unknown) => {
      if (error === DUPLICATE) return { conversation: placedConversation, inserted: false };
      throw error;
    });
}

/**
 * The message is stored: the provider gets its answer now, the members hear of it just after
 * (signing a hub event is a few milliseconds the webhook need not wait for). The hub events and
 * the Web Push wake-up are work the contact does not wait for: under overload they are deferred
 * in order with the call path's notices (calls/admission.ts), never dropped, so the CPU goes to
 * answering webhooks first; the inbox also refetches on its next look.
 */
function afterStored(
  ctx: ServerContext,
  delivery: Delivery,
  placed: Placed,
  conversation: ConversationRow,
  settings: HotlineSettings,
  /** Whom the text was sealed for: its automatic replies are sealed for them too, without a read. */
  readers: readonly string[],
  /** The schedule as the first look read it, if it did (onShiftNow). */
  schedule: ReadSchedule | undefined,
  /** The automatic replies the text earned, recorded with it. */
  notices: readonly OwedNotice[],
): void {
  const { channel, messageId, mediaIds, now } = delivery;
  const handover = placed.handover;
  ctx.admission.defer(ctx, 'conversation announce', async () => {
    // A new conversation is announced by its first message alone: message:new re-reads every
    // conversation query (the lists included) and no thread of it can be open yet, so a
    // conversation:assigned beside it would be one more event to seal and sign for nothing
    // (issue 10: a first contact's CPU). A conversation seen before says who holds it now.
    if (handover && !placed.fresh) await announceHandover(ctx, conversation.id, handover);
    await announceConversation(ctx, { type: 'message:new', conversationId: conversation.id, messageId });
    // Wake whoever should look (Web Push says only "a message"): the assignee, or those on shift,
    // as the placement just worked it out (kept for the minute: issue 10, a storm beyond every
    // volunteer's capacity worked out the schedule again for each text that waits, a third of a
    // millisecond of the server's thread each).
    ctx.events.emit('conversation:message-arrived', {
      conversationId: conversation.id,
      userIds: conversation.assigned_to
        ? [conversation.assigned_to]
        : (await onShiftNow(ctx, settings, schedule, now)).userIds,
    });
  });
  for (const id of mediaIds) conversationWork(ctx, 'media', () => processMedia(ctx, channel, id));
  if (notices.length)
    conversationWork(ctx, 'automatic reply', () => sendOwedNotices(ctx, conversation, notices, readers));
}

async function applyStatusUpdate(
  ctx: ServerContext,
  channel: ChannelId,
  update: StatusUpdate,
): Promise<void> {
  const changed = await applyDeliveryStatus(
    ctx.db,
    channel,
    update.providerMessageId,
    update.status,
    update.errorCode?.slice(0, 100) ?? null,
  );
  if (changed)
    await announceConversation(ctx, {
      type: 'conversation:updated',
      conversationId: changed.conversation_id,
    });
}
