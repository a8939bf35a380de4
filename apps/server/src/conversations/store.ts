import type {
  ConversationKind,
  ConversationStatus,
  MessageDelivery,
  MessageDirection,
} from '@llamenos/protocol';
import { oneRow, type Queryable, returnsRow } from '../db/database.js';
import { rowStatement, rowsStatement } from '../db/row-statement.js';
import { type RateLimitRule, rateLimitUpsert } from '../rate-limit/service.js';
import { scheduleFingerprintSql } from '../shifts/store.js';

/**
 * Every SQL statement of the conversations module, with the rows they return. Services decide;
 * this file only reads and writes (schema.ts says what each table is for).
 */

export interface ConversationRow {
  id: string;
  channel: string;
  kind: ConversationKind;
  hotline_address: string;
  contact_hash: string;
  contact_last4: string | null;
  contact_enc: string;
  status: ConversationStatus;
  assigned_to: string | null;
  opted_out: boolean;
  waiting_since: Date | null;
  last_message_at: Date;
  last_inbound_at: Date | null;
  created_at: Date;
  closed_at: Date | null;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  direction: MessageDirection;
  channel: string;
  provider_message_id: string | null;
  ciphertext: string;
  author: string | null;
  delivery: MessageDelivery;
  error_code: string | null;
  retryable: boolean;
  created_at: Date;
}

export interface WrapRow {
  record_id: string;
  reader: string;
  wrap: string;
}

const ts = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

export function conversationOf(row: ConversationRow): ConversationRow {
  return {
    ...row,
    waiting_since: ts(row.waiting_since),
    last_message_at: new Date(row.last_message_at),
    last_inbound_at: ts(row.last_inbound_at),
    created_at: new Date(row.created_at),
    closed_at: ts(row.closed_at),
  };
}

/** A message row (with or without its reader's wrap), its time made a Date as conversationOf does. */
const messageOf = <M extends MessageRow>(row: M): M => ({ ...row, created_at: new Date(row.created_at) });

/** The conversation one statement returns (a lookup, or a guarded write's `returning *`), or null. */
async function oneConversation(
  db: Queryable,
  sql: string,
  params: readonly unknown[] = [],
): Promise<ConversationRow | null> {
  return oneRow(db, sql, params, conversationOf);
}

/**
 * A store function that is one such statement: its SQL, and the parameters it binds to $1, $2, …
 * in that order, taken after the database or transaction that runs it.
 */
function conversationStatement<P extends readonly unknown[]>(sql: string) {
  return (db: Queryable, ...params: P): Promise<ConversationRow | null> => oneConversation(db, sql, params);
}

// ---------------------------------------------------------------------------------------------
// Conversations

export interface NewConversation {
  id: string;
  channel: string;
  kind: ConversationKind;
  hotlineAddress: string;
  contactHash: string;
  contactLast4: string | null;
  contactEnc: string;
}

/** Inserts the conversation unless this contact already has one on this channel and number. */
export const insertConversation = rowStatement(
  `insert into conversations (id, channel, kind, hotline_address, contact_hash, contact_last4, contact_enc,
       status, waiting_since, last_message_at, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8, $8, $8)
     on conflict (channel, hotline_address, contact_hash) do nothing returning *`,
  (c: NewConversation, now: Date) => [
    c.id,
    c.channel,
    c.kind,
    c.hotlineAddress,
    c.contactHash,
    c.contactLast4,
    c.contactEnc,
    now,
  ],
  conversationOf,
);

/** The contact's conversation on this channel and number, locked for the caller's transaction. */
export const lockConversationOfContact = conversationStatement<
  [channel: string, hotlineAddress: string, contactHash: string]
>(`select * from conversations where channel = $1 and hotline_address = $2 and contact_hash = $3 for update`);

export const findConversation = conversationStatement<[id: string]>(
  'select * from conversations where id = $1',
);

export const lockConversation = conversationStatement<[id: string]>(
  'select * from conversations where id = $1 for update',
);

export interface ConversationListFilter {
  /** The reader whose unread count is computed. */
  userId: string;
  /** null: every conversation; otherwise the user's own, plus the queue when `queue`. */
  only: { mine: boolean; queue: boolean } | null;
  status?: ConversationStatus;
  limit: number;
  offset: number;
}

export type ListedConversation = ConversationRow & { unread: number };

export async function listConversations(
  db: Queryable,
  f: ConversationListFilter,
): Promise<{ rows: ListedConversation[]; total: number }> {
  // $1 is always the reader (typed here, so the count query may leave it otherwise unused).
  const where: string[] = ['$1::text is not null'];
  const params: unknown[] = [f.userId];
  if (f.only) {
    const parts: string[] = [];
    if (f.only.mine) parts.push('c.assigned_to = $1');
    if (f.only.queue) parts.push(`(c.status = 'waiting' and c.assigned_to is null)`);
    where.push(parts.length ? `(${parts.join(' or ')})` : 'false');
  }
  if (f.status) {
    params.push(f.status);
    where.push(`c.status = $${params.length}`);
  }
  const clause = `where ${where.join(' and ')}`;
  const [count] = await db.query<{ n: number }>(
    `select count(*)::int as n from conversations c ${clause}`,
    params,
  );
  params.push(f.limit, f.offset);
  const rows = await db.query<ListedConversation>(
    `select c.*,
       (select count(*)::int from conversation_messages m
         where m.conversation_id = c.id and m.direction = 'in'
           and m.created_at > coalesce(r.read_at, '-infinity'::timestamptz)) as unread
     from conversations c
     left join conversation_reads r on r.conversation_id = c.id and r.user_id = $1
     ${clause}
     order by c.last_message_at desc, c.id
     limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return {
    rows: rows.map((r) => ({ ...conversationOf(r), unread: Number(r.unread) })),
    total: count?.n ?? 0,
  };
}

export async function unreadFor(db: Queryable, conversationId: string, userId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from conversation_messages m
      left join conversation_reads r on r.conversation_id = m.conversation_id and r.user_id = $2
      where m.conversation_id = $1 and m.direction = 'in'
        and m.created_at > coalesce(r.read_at, '-infinity'::timestamptz)`,
    [conversationId, userId],
  );
  return row?.n ?? 0;
}

/** Gives the conversation to `userId` (or back to the queue with null), reopening it if closed. */
export const assignConversation = conversationStatement<[id: string, userId: string | null, now: Date]>(
  `update conversations set assigned_to = $2,
       status = case when $2::text is null then 'waiting' else 'active' end,
       waiting_since = case when $2::text is null then coalesce(waiting_since, $3) else null end,
       closed_at = null
     where id = $1 returning *`,
);

/**
 * The claim: a guarded UPDATE that succeeds only while nobody holds the conversation, so of two
 * volunteers claiming at once exactly one gets the row back.
 */
export const claimIfUnassigned = conversationStatement<[id: string, userId: string]>(
  `update conversations set assigned_to = $2, status = 'active', waiting_since = null, closed_at = null
      where id = $1 and assigned_to is null and status <> 'closed' returning *`,
);

/**
 * The queue's longest-waiting conversation nobody holds, locked for the caller's transaction; a
 * row another transaction holds (a message arriving for it) is skipped, not waited for.
 */
export const lockOldestWaiting = conversationStatement<[]>(
  `select * from conversations where status = 'waiting' and assigned_to is null
      order by waiting_since nulls last, created_at, id limit 1 for update skip locked`,
);

/**
 * Everyone who holds an open conversation now (the partial index conversations_assigned answers
 * it, every few seconds). A closed one that reopens to a holder who can no longer hold is open
 * again by the next pass, and its messages are not sealed for them meanwhile (currentReaders).
 */
export async function conversationHolders(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ assigned_to: string }>(
    `select distinct assigned_to from conversations where status = 'active' and assigned_to is not null`,
  );
  return rows.map((r) => r.assigned_to);
}

export async function conversationsHeldBy(
  db: Queryable,
  userIds: readonly string[],
): Promise<{ id: string; assigned_to: string }[]> {
  if (!userIds.length) return [];
  return db.query(
    `select id, assigned_to from conversations where status = 'active' and assigned_to = any($1::text[])`,
    [userIds],
  );
}

/**
 * Takes the conversation from `from` (guarded: only if they still hold it): an open one goes back
 * to the queue, waiting from now; a closed one stays closed and reopens into the queue.
 */
export const releaseConversation = conversationStatement<[id: string, from: string, now: Date]>(
  `update conversations set assigned_to = null,
       status = case when status = 'closed' then 'closed' else 'waiting' end,
       waiting_since = case when status = 'closed' then null else $3::timestamptz end
     where id = $1 and assigned_to = $2 returning *`,
);

export const closeConversationRow = conversationStatement<[id: string, now: Date]>(
  `update conversations set status = 'closed', closed_at = $2, waiting_since = null
      where id = $1 and status <> 'closed' returning *`,
);

/** Closed → active (with an assignee) or waiting (without), the waiting time starting now. */
export const reopenConversationRow = conversationStatement<[id: string, now: Date]>(
  `update conversations set closed_at = null,
       status = case when assigned_to is null then 'waiting' else 'active' end,
       waiting_since = case when assigned_to is null then $2::timestamptz else null end
     where id = $1 and status = 'closed' returning *`,
);

export async function touchConversation(
  tx: Queryable,
  id: string,
  now: Date,
  inbound: boolean,
): Promise<void> {
  await tx.query(
    `update conversations set last_message_at = greatest(last_message_at, $2),
       last_inbound_at = case when $3 then $2 else last_inbound_at end
     where id = $1`,
    [id, now, inbound],
  );
}

/**
 * A message's arrival in a conversation that is still held by `assignedTo` (the one its wraps were
 * made for) and not closed: the last message times move, and the row comes back locked for the
 * caller's transaction. Null if it changed hands, closed or went meanwhile (nothing changed).
 */
export const touchIfHeldBy = conversationStatement<[id: string, assignedTo: string | null, now: Date]>(
  `update conversations set last_message_at = greatest(last_message_at, $3), last_inbound_at = $3
      where id = $1 and assigned_to is not distinct from $2 and status <> 'closed' returning *`,
);

/** What an inbound message needs to know before it is sealed, from one statement (lookupInbound). */
export interface InboundLookup {
  /** The provider's message id is stored already: a retried delivery (nothing else was done). */
  duplicate: boolean;
  /** The contact is on the ban list shared with calls (their attempt was not counted). */
  banned: boolean;
  /** The attempt was counted against the contact's limit and this is when their block ends (null: admitted). */
  blockedUntil: Date | null;
  /** The contact's conversation on this channel and number, unlocked (a first look). */
  conversation: ConversationRow | null;
  /** Every active member with their roles and every custom role's grants (who reads it: access.ts). */
  members: MemberWithGrants[];
  /**
   * The schedule's fingerprint for `InboundAdmission.schedule` (shifts/store.ts), read only when
   * the text will be placed (no conversation, or one not active and held), else null: who is on
   * shift is then checked against the kept copy without a statement of its own.
   */
  scheduleFingerprint: string | null;
}

export interface MemberWithGrants {
  id: string;
  pubkey: string;
  roles: string[];
  custom: Record<string, string[]>;
}

/** Who is asking and which limit counts them, for lookupInbound. */
export interface InboundAdmission {
  now: Date;
  /** The rate-limit key of the contact (the one calls use for the same person). */
  rateKey: string;
  rule: RateLimitRule;
  /** The local dates whose schedule says who is on shift now (shifts/views.ts scheduleWindow). */
  schedule: { fromDate: string; toDate: string };
}

/**
 * Everything an inbound message starts with, in one round trip (the messaging bench: each
 * statement costs the webhook a socket write and a wake-up of the database): whether the
 * provider's message id is stored, whether the contact is banned (calls' ban list), the
 * contact's attempt counted against their limit (rate-limit/service.ts's upsert, skipped for a
 * retried delivery and a banned contact, as before), the contact's conversation, the members
 * who may read it, and, for a text that will be placed, the schedule's fingerprint.
 */
export async function lookupInbound(
  db: Queryable,
  key: { channel: string; providerMessageId: string; hotlineAddress: string; contactHash: string },
  admission: InboundAdmission,
): Promise<InboundLookup> {
  const counted = rateLimitUpsert(
    { key: '$6::text', now: '$5::timestamptz', window: '$7::int', limit: '$8::int', block: '$9::int' },
    `select $6::text, $5::timestamptz, 1, null::timestamptz, $7::int
      where not (select v from duplicate) and not (select v from banned)`,
  );
  const [row] = await db.query<{
    duplicate: boolean;
    banned: boolean;
    blocked_until: Date | string | null;
    conversation: ConversationRow | null;
    members: Omit<MemberWithGrants, 'custom'>[];
    custom: Record<string, string[]>;
    schedule_fingerprint: string | null;
  }>(
    `with duplicate as (
       select exists (select 1 from conversation_messages where channel = $1 and provider_message_id = $2) as v
     ), banned as (
       select exists (select 1 from call_bans where caller_hash = $4
                        and (expires_at is null or expires_at > $5::timestamptz)) as v
     ), hit as (
       ${counted}
       returning blocked_until
     )
     select
       (select v from duplicate) as duplicate,
       (select v from banned) as banned,
       (select blocked_until from hit) as blocked_until,
       (select to_jsonb(c) from conversations c
         where c.channel = $1 and c.hotline_address = $3 and c.contact_hash = $4) as conversation,
       (select coalesce(jsonb_agg(jsonb_build_object('id', u.id, 'pubkey', u.pubkey, 'roles', u.roles)
                                  order by u.pubkey), '[]'::jsonb)
          from users u where u.active) as members,
       (select coalesce(jsonb_object_agg(id, permissions), '{}'::jsonb) from custom_roles) as custom,
       case when not exists (select 1 from conversations c
                              where c.channel = $1 and c.hotline_address = $3 and c.contact_hash = $4
                                and c.status = 'active' and c.assigned_to is not null)
            then ${scheduleFingerprintSql('$10::text', '$11::text')} end as schedule_fingerprint`,
    [
      key.channel,
      key.providerMessageId,
      key.hotlineAddress,
      key.contactHash,
      admission.now,
      admission.rateKey,
      admission.rule.windowSeconds,
      admission.rule.limit,
      admission.rule.blockSeconds,
      admission.schedule.fromDate,
      admission.schedule.toDate,
    ],
  );
  if (!row) throw new Error('the inbound lookup returned no row');
  const blockedUntil = row.blocked_until ? new Date(row.blocked_until) : null;
  return {
    duplicate: row.duplicate,
    banned: row.banned,
    blockedUntil: blockedUntil && blockedUntil > admission.now ? blockedUntil : null,
    conversation: row.conversation ? conversationOf(row.conversation) : null,
    members: row.members.map((m) => ({ ...m, custom: row.custom })),
    scheduleFingerprint: row.schedule_fingerprint,
  };
}

/** An inbound text for storeHeldText: the message, sealed, and its wraps. */
export interface HeldText {
  conversationId: string;
  /** The assignee it was sealed for (null: the admins only); the store checks it still holds. */
  sealedFor: string | null;
  messageId: string;
  recordId: string;
  channel: string;
  providerMessageId: string;
  ciphertext: string;
  wraps: readonly { reader: string; wrap: string }[];
  /** The automatic replies this text earns (replies.ts owedNotices), recorded with it. */
  notices?: OwedNotices;
}

/**
 * Stores an inbound text with no attachment and no keyword in one statement (no transaction
 * round trips): the conversation row is locked only if it is still held by \`sealedFor\` and
 * open; then the message is inserted (nothing on a duplicate provider message id), its wraps
 * with it, the automatic replies it earns in the outbox (conversation_notices: no statement of
 * their own), and the conversation's times moved, the last three only if the message went in. The
 * answer: 'moved' (the conversation changed hands or closed: seal again), 'duplicate' (another
 * delivery of the same provider message won), or the conversation as touched.
 */
export async function storeHeldText(
  db: Queryable,
  text: HeldText,
  now: Date,
): Promise<ConversationRow | 'moved' | 'duplicate'> {
  const [row] = await db.query<{ held: number; conversation: ConversationRow | null }>(
    `with held as (
       select id from conversations
        where id = $1 and assigned_to is not distinct from $2 and status <> 'closed' for update
     ), message as (
       insert into conversation_messages
         (id, conversation_id, direction, channel, provider_message_id, ciphertext, author, delivery, created_at)
       select $3, held.id, 'in', $4, $5, $6, null, 'received', $7 from held
       on conflict do nothing
       returning conversation_id
     ), wraps as (
       insert into conversation_wraps (record_id, reader, conversation_id, wrap)
       select $8, w.reader, message.conversation_id, w.wrap
         from message, unnest($9::text[], $10::text[]) as w (reader, wrap)
       on conflict (record_id, reader) do nothing
     ), owed as (
       insert into conversation_notices (message_id, conversation_id, kind, due_at)
       select n.id, message.conversation_id, n.kind, $13
         from message, unnest($11::text[], $12::text[]) as n (id, kind)
     ), touched as (
       update conversations c set last_message_at = greatest(c.last_message_at, $7), last_inbound_at = $7
         from message where c.id = message.conversation_id
       returning c.*
     )
     select (select count(*) from held)::int as held, (select to_jsonb(t) from touched t) as conversation`,
    [
      text.conversationId,
      text.sealedFor,
      text.messageId,
      text.channel,
      text.providerMessageId,
      text.ciphertext,
      now,
      text.recordId,
      text.wraps.map((w) => w.reader),
      text.wraps.map((w) => w.wrap),
      text.notices?.owed.map((n) => n.id) ?? [],
      text.notices?.owed.map((n) => n.kind) ?? [],
      text.notices?.dueAt ?? now,
    ],
  );
  if (!row?.held) return 'moved';
  return row.conversation ? conversationOf(row.conversation) : 'duplicate';
}

export async function setOptedOut(tx: Queryable, id: string, optedOut: boolean): Promise<boolean> {
  return returnsRow(
    tx,
    'update conversations set opted_out = $2 where id = $1 and opted_out <> $2 returning id',
    [id, optedOut],
  );
}

export async function markRead(
  db: Queryable,
  conversationId: string,
  userId: string,
  now: Date,
): Promise<void> {
  await db.query(
    `insert into conversation_reads (conversation_id, user_id, read_at) values ($1, $2, $3)
     on conflict (conversation_id, user_id) do update set read_at = greatest(conversation_reads.read_at, $3)`,
    [conversationId, userId, now],
  );
}

// ---------------------------------------------------------------------------------------------
// Assignment

/** Serializes assignments across processes for the rest of the transaction. */
export async function lockAssignments(tx: Queryable): Promise<void> {
  await tx.query('select id from conversation_assign_lock where id = 1 for update');
}

/**
 * The round robin's choice and the change of hands in one statement, under the assignment lock
 * (lockAssignments, taken by the caller's previous statement, so this one's snapshot sees every
 * assignment committed before it): among `candidates` (on shift, able to hold conversations),
 * the active one with fewer than `capacity` open conversations who was given one longest ago
 * (never first; then by id) is noted as given one now (or just after the latest offer), and the conversation (locked by the
 * caller, nobody holding it, not closed) becomes theirs. Null when nobody has a free place.
 */
export async function assignLeastRecent(
  tx: Queryable,
  conversationId: string,
  candidates: readonly string[],
  capacity: number,
  now: Date,
): Promise<{ assignee: string; conversation: ConversationRow } | null> {
  if (!candidates.length) return null;
  const [row] = await tx.query<{ assignee: string | null; conversation: ConversationRow | null }>(
    `with chosen as (
       select u.id from users u left join conversation_assignees a on a.user_id = u.id
        where u.id = any($2::text[]) and u.active
          and (select count(*) from conversations c where c.assigned_to = u.id and c.status = 'active') < $3::int
        order by a.last_assigned_at nulls first, u.id collate "C"
        limit 1
     ), noted as (
       -- Strictly after every earlier offer, even one in the same millisecond (placements batched
       -- in one transaction share arrival times): a tie would hand the next one by id order.
       insert into conversation_assignees (user_id, last_assigned_at)
       select id, greatest($4::timestamptz,
                           (select max(last_assigned_at) from conversation_assignees) + interval '1 microsecond')
         from chosen
       on conflict (user_id) do update set last_assigned_at = excluded.last_assigned_at
     ), assigned as (
       update conversations c set assigned_to = chosen.id, status = 'active', waiting_since = null, closed_at = null
         from chosen where c.id = $1 and c.assigned_to is null and c.status <> 'closed'
       returning c.*
     )
     select (select id from chosen) as assignee, (select to_jsonb(a) from assigned a) as conversation`,
    [conversationId, candidates, capacity, now],
  );
  if (!row?.assignee || !row.conversation) return null;
  return { assignee: row.assignee, conversation: conversationOf(row.conversation) };
}

/** Every active member with their roles, and every custom role's grants, in one statement. */
export async function activeMembersWithGrants(db: Queryable): Promise<MemberWithGrants[]> {
  return db.query(
    `select id, pubkey, roles,
       (select coalesce(jsonb_object_agg(id, permissions), '{}'::jsonb) from custom_roles) as custom
     from users where active order by pubkey`,
  );
}

export interface MemberRow {
  id: string;
  pubkey: string;
  roles: string[];
  active: boolean;
}

export async function findMember(db: Queryable, userId: string): Promise<MemberRow | null> {
  const [row] = await db.query<MemberRow>('select id, pubkey, roles, active from users where id = $1', [
    userId,
  ]);
  return row ?? null;
}

/** The display names of these members, in name order (a transfer form's choices). */
export async function memberNames(
  db: Queryable,
  userIds: readonly string[],
): Promise<{ id: string; display_name: string }[]> {
  if (!userIds.length) return [];
  return db.query<{ id: string; display_name: string }>(
    'select id, display_name from users where id = any($1::text[]) order by display_name, id',
    [userIds],
  );
}

// ---------------------------------------------------------------------------------------------
// Messages

export interface NewMessage {
  id: string;
  conversationId: string;
  direction: MessageDirection;
  channel: string;
  providerMessageId: string | null;
  ciphertext: string;
  author: string | null;
  delivery: MessageDelivery;
}

/**
 * Inserts the message; null when the provider's id was already stored (a retried delivery) or
 * the id is taken (a reply sent twice).
 */
export async function insertMessage(tx: Queryable, m: NewMessage, now: Date): Promise<MessageRow | null> {
  return oneRow(
    tx,
    `insert into conversation_messages
       (id, conversation_id, direction, channel, provider_message_id, ciphertext, author, delivery, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict do nothing
     returning *`,
    [
      m.id,
      m.conversationId,
      m.direction,
      m.channel,
      m.providerMessageId,
      m.ciphertext,
      m.author,
      m.delivery,
      now,
    ],
    messageOf<MessageRow>,
  );
}

export async function findMessage(
  db: Queryable,
  conversationId: string,
  messageId: string,
): Promise<MessageRow | null> {
  const [row] = await db.query<MessageRow>(
    'select * from conversation_messages where id = $1 and conversation_id = $2',
    [messageId, conversationId],
  );
  return row ? messageOf(row) : null;
}

/** Every message of a conversation, oldest first, with `reader`'s own wrap (if any). */
export const messagesWithWrap = rowsStatement(
  `select m.*, w.wrap from conversation_messages m
      left join conversation_wraps w on w.record_id = 'message:' || m.id and w.reader = $2
      where m.conversation_id = $1 order by m.created_at, m.id`,
  (conversationId: string, reader: string) => [conversationId, reader],
  messageOf<MessageRow & { wrap: string | null }>,
);

export async function messageWithWrap(
  db: Queryable,
  messageId: string,
  reader: string,
): Promise<(MessageRow & { wrap: string | null }) | null> {
  return oneRow(
    db,
    `select m.*, w.wrap from conversation_messages m
      left join conversation_wraps w on w.record_id = 'message:' || m.id and w.reader = $2
      where m.id = $1`,
    [messageId, reader],
    messageOf<MessageRow & { wrap: string | null }>,
  );
}

/** What the provider answered to a send. */
export async function recordSendOutcome(
  db: Queryable,
  messageId: string,
  outcome: {
    providerMessageId: string | null;
    delivery: MessageDelivery;
    errorCode: string | null;
    retryable: boolean;
  },
): Promise<void> {
  await db.query(
    `update conversation_messages set provider_message_id = coalesce($2, provider_message_id), delivery = $3,
       error_code = $4, retryable = $5 where id = $1`,
    [messageId, outcome.providerMessageId, outcome.delivery, outcome.errorCode, outcome.retryable],
  );
}

/** A failed, retryable reply moves back to pending once: two retries at once send once. */
export async function takeForRetry(db: Queryable, messageId: string): Promise<boolean> {
  return returnsRow(
    db,
    `update conversation_messages set delivery = 'pending', error_code = null, retryable = false
      where id = $1 and direction = 'out' and delivery = 'failed' and retryable returning id`,
    [messageId],
  );
}

/**
 * A provider's delivery report. Reports may arrive out of order: a status only moves forward
 * (queued → sent → delivered → read), and `failed` wins from any state but `read`.
 */
export async function applyDeliveryStatus(
  db: Queryable,
  channel: string,
  providerMessageId: string,
  status: MessageDelivery,
  errorCode: string | null,
): Promise<{ id: string; conversation_id: string } | null> {
  const [row] = await db.query<{ id: string; conversation_id: string }>(
    `update conversation_messages set delivery = $3, error_code = $4,
       retryable = case when $3 = 'failed' then false else retryable end
     where channel = $1 and provider_message_id = $2 and direction = 'out'
       and (case delivery when 'pending' then 0 when 'queued' then 1 when 'sent' then 2 when 'delivered' then 3
              when 'read' then 4 else 5 end)
         < (case $3 when 'queued' then 1 when 'sent' then 2 when 'delivered' then 3 when 'read' then 4 else 3.5 end)
     returning id, conversation_id`,
    [channel, providerMessageId, status, errorCode],
  );
  return row ?? null;
}

// ---------------------------------------------------------------------------------------------
// Wraps

export async function insertWraps(
  tx: Queryable,
  conversationId: string,
  wraps: readonly { recordId: string; reader: string; wrap: string }[],
): Promise<number> {
  if (!wraps.length) return 0;
  // One statement for the lot: a message's wraps, or a re-wrap batch of up to 1,000.
  const rows = await tx.query(
    `insert into conversation_wraps (record_id, reader, conversation_id, wrap)
     select w.record_id, w.reader, $1, w.wrap
       from unnest($2::text[], $3::text[], $4::text[]) as w (record_id, reader, wrap)
     on conflict (record_id, reader) do nothing returning record_id`,
    [conversationId, wraps.map((w) => w.recordId), wraps.map((w) => w.reader), wraps.map((w) => w.wrap)],
  );
  return rows.length;
}

/**
 * An automatic reply the outbox holds (replies.ts), stored as pending with its wraps in one
 * statement, no transaction: both rows or neither, as a statement is atomic (issue 10: a
 * transaction of two statements, and its begin and commit, for each first contact's reply). Its
 * outbox row takes the text (sealed under the settings key) and the attempt about to be made,
 * leased until `leaseUntil`. Stored only while the outbox still owes it and once: the message id
 * is the outbox row's, so a second process storing the same notice inserts nothing. The attempt
 * (1 for the first hand-over), or null if nothing was stored.
 */
export async function insertAutomaticReply(
  db: Queryable,
  m: {
    id: string;
    conversationId: string;
    channel: string;
    ciphertext: string;
    recordId: string;
    bodyEnc: string;
  },
  wraps: readonly { reader: string; wrap: string }[],
  now: Date,
  leaseUntil: Date,
): Promise<number | null> {
  const [row] = await db.query<{ attempt: number | null }>(
    `with message as (
       insert into conversation_messages
         (id, conversation_id, direction, channel, provider_message_id, ciphertext, author, delivery, created_at)
       select $1, $2, 'out', $3, null, $4, null, 'pending', $5
        where exists (select 1 from conversation_notices where message_id = $1)
       on conflict do nothing
       returning id
     ), wraps as (
       insert into conversation_wraps (record_id, reader, conversation_id, wrap)
       select $6, w.reader, $2, w.wrap from message, unnest($7::text[], $8::text[]) as w (reader, wrap)
       on conflict (record_id, reader) do nothing
     ), notice as (
       update conversation_notices n set attempts = n.attempts + 1, due_at = $9, body_enc = $10
         from message where n.message_id = message.id
       returning n.attempts
     )
     select (select attempts from notice) as attempt from message`,
    [
      m.id,
      m.conversationId,
      m.channel,
      m.ciphertext,
      now,
      m.recordId,
      wraps.map((w) => w.reader),
      wraps.map((w) => w.wrap),
      leaseUntil,
      m.bodyEnc,
    ],
  );
  return row?.attempt ?? null;
}

/** The readers a record was sealed for. */
export async function readersOf(db: Queryable, recordId: string): Promise<string[]> {
  const rows = await db.query<{ reader: string }>(
    'select reader from conversation_wraps where record_id = $1 order by reader',
    [recordId],
  );
  return rows.map((r) => r.reader);
}

export async function holdsAnyWrap(db: Queryable, conversationId: string, reader: string): Promise<boolean> {
  return returnsRow(
    db,
    'select 1 from conversation_wraps where conversation_id = $1 and reader = $2 limit 1',
    [conversationId, reader],
  );
}

/** Records of the conversation `holder` can open and `recipient` cannot, with the holder's wrap. */
export async function recordsToRewrap(
  db: Queryable,
  conversationId: string,
  holder: string,
  recipient: string,
  limit: number,
): Promise<WrapRow[]> {
  return db.query<WrapRow>(
    `select h.record_id, h.reader, h.wrap from conversation_wraps h
      where h.conversation_id = $1 and h.reader = $2
        and not exists (select 1 from conversation_wraps r where r.record_id = h.record_id and r.reader = $3)
      order by h.record_id limit $4`,
    [conversationId, holder, recipient, limit],
  );
}

/** Records of the conversation (messages and stored media) that `recipient` has no wrap for. */
export async function countUnwrappedFor(
  db: Queryable,
  conversationId: string,
  recipient: string,
): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `select count(distinct h.record_id)::int as n from conversation_wraps h
      where h.conversation_id = $1
        and not exists (select 1 from conversation_wraps r where r.record_id = h.record_id and r.reader = $2)`,
    [conversationId, recipient],
  );
  return row?.n ?? 0;
}

/** Which of `recordIds` belong to the conversation and are held by `holder`. */
export async function recordsHeldBy(
  db: Queryable,
  conversationId: string,
  holder: string,
  recordIds: readonly string[],
): Promise<Set<string>> {
  const rows = await db.query<{ record_id: string }>(
    `select record_id from conversation_wraps where conversation_id = $1 and reader = $2 and record_id = any($3::text[])`,
    [conversationId, holder, recordIds],
  );
  return new Set(rows.map((r) => r.record_id));
}

// ---------------------------------------------------------------------------------------------
// Re-wrap requests

export interface RewrapRow {
  id: string;
  conversation_id: string;
  recipient: string;
  created_at: Date;
  completed_at: Date | null;
}

/** Records (or re-opens) the request for `recipient` and drops requests for anyone else. */
export async function requestRewrap(
  tx: Queryable,
  id: string,
  conversationId: string,
  recipient: string,
  now: Date,
): Promise<void> {
  await tx.query('delete from conversation_rewraps where conversation_id = $1 and recipient <> $2', [
    conversationId,
    recipient,
  ]);
  await tx.query(
    `insert into conversation_rewraps (id, conversation_id, recipient, created_at) values ($1, $2, $3, $4)
     on conflict (conversation_id, recipient) do update set completed_at = null, created_at = $4`,
    [id, conversationId, recipient, now],
  );
}

export async function pendingRewraps(db: Queryable, conversationId: string): Promise<RewrapRow[]> {
  const rows = await db.query<RewrapRow>(
    'select * from conversation_rewraps where conversation_id = $1 and completed_at is null order by created_at',
    [conversationId],
  );
  return rows.map((r) => ({ ...r, created_at: new Date(r.created_at), completed_at: ts(r.completed_at) }));
}

export async function completeRewrap(tx: Queryable, conversationId: string, recipient: string, now: Date) {
  await tx.query(
    `update conversation_rewraps set completed_at = $3
      where conversation_id = $1 and recipient = $2 and completed_at is null`,
    [conversationId, recipient, now],
  );
}

// ---------------------------------------------------------------------------------------------
// Media

/*
 * A message's media is an attachment (owner kind conversation-message): its row, file and
 * provider-side state live in the attachments module's table, with its statements
 * (attachments/media-store.ts); the conversations module uses them from here. Their key wraps
 * stay in conversation_wraps (record id `attachment:<id>`), with the messages' wraps.
 */
export {
  insertMedia,
  type MediaRow,
  mediaOfConversation,
  type NewMedia,
  takeDueMedia,
} from '../attachments/media-store.js';

// ---------------------------------------------------------------------------------------------
// Retention

/**
 * Closed conversations whose last message is older than `cutoff`, locked until the caller's
 * transaction ends (a message arriving meanwhile waits, and finds the conversation gone).
 */
export async function lockClosedBefore(tx: Queryable, cutoff: Date): Promise<string[]> {
  const rows = await tx.query<{ id: string }>(
    `select id from conversations where status = 'closed' and last_message_at < $1 order by id for update`,
    [cutoff],
  );
  return rows.map((r) => r.id);
}

/** Deletes conversations with their messages, wraps and reads (by cascade); how many went. */
export async function deleteConversations(tx: Queryable, ids: readonly string[]): Promise<number> {
  if (!ids.length) return 0;
  const deleted = await tx.query('delete from conversations where id = any($1::text[]) returning id', [ids]);
  return deleted.length;
}

// ---------------------------------------------------------------------------------------------
// Automatic replies owed (the outbox, conversation_notices; replies.ts)

export type NoticeKind = 'first-contact' | 'no-volunteer';

/** The automatic replies an arriving text earns, each with the id its message will have, and when a timer may take them over. */
export interface OwedNotices {
  owed: readonly { id: string; kind: NoticeKind }[];
  dueAt: Date;
}

/** Records owed notices inside the caller's transaction (a text stored with media or a keyword; storeHeldText does it in its own statement). */
export async function insertOwedNotices(
  tx: Queryable,
  conversationId: string,
  notices: OwedNotices,
): Promise<void> {
  if (!notices.owed.length) return;
  await tx.query(
    `insert into conversation_notices (message_id, conversation_id, kind, due_at)
     select n.id, $1, n.kind, $4 from unnest($2::text[], $3::text[]) as n (id, kind)`,
    [conversationId, notices.owed.map((n) => n.id), notices.owed.map((n) => n.kind), notices.dueAt],
  );
}

/** An outbox row a timer took, with its conversation and whether its message is stored yet. */
export interface DueNotice {
  message_id: string;
  kind: NoticeKind;
  /** Hand-overs so far, this one included when `stored` (the claim counts it). */
  attempts: number;
  body_enc: string | null;
  stored: boolean;
  conversation: ConversationRow;
}

/**
 * Takes up to `limit` notices due at `now`, leased to the caller until `leaseUntil`: a guarded
 * UPDATE over rows locked with skip locked, so two processes' timers never take the same one. A
 * notice whose message is stored is about to be handed over again: its attempt is counted here.
 */
export async function takeDueNotices(
  db: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<DueNotice[]> {
  const rows = await db.query<Omit<DueNotice, 'conversation'> & { conversation: ConversationRow }>(
    `with due as (
       select n.message_id, exists (select 1 from conversation_messages m where m.id = n.message_id) as stored
         from conversation_notices n
        where n.due_at <= $1
        order by n.due_at, n.kind limit $3
          for update of n skip locked
     )
     update conversation_notices n set due_at = $2, attempts = n.attempts + case when due.stored then 1 else 0 end
       from due where n.message_id = due.message_id
     returning n.message_id, n.kind, n.attempts, n.body_enc, due.stored,
       (select to_jsonb(c) from conversations c where c.id = n.conversation_id) as conversation`,
    [now, leaseUntil, limit],
  );
  return rows
    .map((r) => ({ ...r, conversation: conversationOf(r.conversation) }))
    .sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}

/** A notice nobody is to be sent (opted out, text withdrawn, someone took the conversation): out of the outbox, if `attempts` still holds it. */
export async function forgoNotice(db: Queryable, messageId: string, attempts: number): Promise<void> {
  await db.query('delete from conversation_notices where message_id = $1 and attempts = $2', [
    messageId,
    attempts,
  ]);
}

/**
 * What the provider answered to a notice's hand-over number `attempt`, recorded on its message
 * only if that attempt still holds the outbox row (a holder whose lease lapsed writes nothing).
 * `retryAt`: the row stays for another attempt then; null: sent or given up, the row goes.
 */
export async function recordNoticeOutcome(
  db: Queryable,
  messageId: string,
  attempt: number,
  outcome: {
    providerMessageId: string | null;
    delivery: MessageDelivery;
    errorCode: string | null;
    retryable: boolean;
  },
  retryAt: Date | null,
): Promise<boolean> {
  const outbox =
    retryAt === null
      ? 'delete from conversation_notices where message_id = $1 and attempts = $6 returning message_id'
      : 'update conversation_notices set due_at = $7 where message_id = $1 and attempts = $6 returning message_id';
  return returnsRow(
    db,
    `with outbox as (${outbox})
     update conversation_messages set provider_message_id = coalesce($2, provider_message_id), delivery = $3,
       error_code = $4, retryable = $5
      where id = $1 and exists (select 1 from outbox) returning id`,
    [
      messageId,
      outcome.providerMessageId,
      outcome.delivery,
      outcome.errorCode,
      outcome.retryable,
      attempt,
      ...(retryAt === null ? [] : [retryAt]),
    ],
  );
}
