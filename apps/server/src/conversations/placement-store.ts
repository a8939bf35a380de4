import {
  type AuditHeadCache,
  type AuditInput,
  appendAuditEntriesInTx,
  guessedAppendParts,
} from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import { type ConversationRow, conversationOf, type NewConversation } from './store.js';

/**
 * The statements of a batch of first contacts' placement (ingest.ts placeFirstContacts), which
 * runs one transaction at a time per process (PLACEMENTS_AT_ONCE) holding the assignment lock:
 * so its round trips, not its work, set how many first contacts a second a process can place
 * (issue 10: on PostgreSQL a storm's first contacts waited p50 45 ms while the event loop, busy
 * with the texts, answered each of a transaction's k + 5 statements late). Here a batch is four
 * statements whatever its size: begin, the rows inserted with the lock taken after them, every
 * fresh row offered round robin in one statement, commit (the audit entries ride a fifth, or
 * none: see ingest.ts).
 */

/**
 * Inserts the batch's conversations in one statement, in the order given, each with its own
 * arrival time (a contact who already has one, or appears twice, gets none), and when `lock` the
 * assignment lock (conversation_assign_lock) is taken in the same statement after the rows:
 * inserting first keeps the order two placements have always locked in (a row's unique index,
 * then the assignment lock), so a batch cannot deadlock with a placement that holds the lock and
 * waits for a row this batch inserted. The lock is taken only if a row was inserted (with none,
 * the caller takes it when it needs it). Returns the rows inserted, by id, and whether it locked.
 */
export async function insertConversationsLocking(
  tx: Queryable,
  rows: readonly (NewConversation & { at: Date })[],
  lock: boolean,
): Promise<{ inserted: Map<string, ConversationRow>; locked: boolean }> {
  if (!rows.length) return { inserted: new Map(), locked: false };
  const column = <K extends keyof (NewConversation & { at: Date })>(key: K) => rows.map((r) => r[key]);
  const found = await tx.query<ConversationRow & { locked?: number }>(
    `with inserted as (
       insert into conversations (id, channel, kind, hotline_address, contact_hash, contact_last4, contact_enc,
         status, waiting_since, last_message_at, created_at)
       select c.id, c.channel, c.kind, c.hotline_address, c.contact_hash, c.contact_last4, c.contact_enc,
         'waiting', c.at, c.at, c.at
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[]::timestamptz[]) with ordinality
           as c (id, channel, kind, hotline_address, contact_hash, contact_last4, contact_enc, at, n)
        order by c.n
       on conflict (channel, hotline_address, contact_hash) do nothing returning *
     )${
       lock
         ? `, assign_lock as (
       -- Evaluated after the insert (its condition reads it): the lock comes second.
       select id from conversation_assign_lock where id = 1 and (select count(*) from inserted) > 0 for update
     )
     select inserted.*, (select count(*) from assign_lock)::int as locked from inserted`
         : `
     select inserted.* from inserted`
     }`,
    [
      column('id'),
      column('channel'),
      column('kind'),
      column('hotlineAddress'),
      column('contactHash'),
      column('contactLast4'),
      column('contactEnc'),
      // As text: the PostgreSQL driver types an array of dates as one timestamp.
      rows.map((r) => r.at.toISOString()),
    ],
  );
  const inserted = new Map<string, ConversationRow>();
  for (const { locked: _, ...row } of found) inserted.set(row.id, conversationOf(row));
  return { inserted, locked: found[0]?.locked === 1 };
}

/**
 * The round robin for several conversations at once, in one statement, under the assignment lock
 * taken by an earlier statement of the caller's transaction (so this one's snapshot sees every
 * assignment committed before it): `conversationIds` (fresh, nobody holding them), in that order,
 * are given as store.ts assignLeastRecent would give them one after another. That sequence is a
 * queue: the candidate with a free place given one longest ago (never first, then by id) takes
 * the next conversation and goes to the back; one whose places are full drops out. So in round j
 * (0, 1, …) every candidate with more than j free places takes one, in the queue's order, and the
 * n-th conversation takes the n-th such (round, place) pair. Each assignee is noted as given one
 * at the time of their last conversation here, strictly after every earlier offer. Returns the
 * conversations given, by id, with their assignee; those left out wait in the queue.
 */
export async function assignLeastRecentInOrder(
  tx: Queryable,
  conversationIds: readonly string[],
  candidates: readonly string[],
  capacity: number,
  now: Date,
): Promise<Map<string, { assignee: string; conversation: ConversationRow }>> {
  if (!conversationIds.length || !candidates.length) return new Map();
  const rows = await tx.query<{ assignee: string; conversation: ConversationRow }>(
    `with candidate as (
       select u.id,
              row_number() over (order by a.last_assigned_at nulls first, u.id collate "C") as place,
              $3::int - (select count(*) from conversations c where c.assigned_to = u.id and c.status = 'active')
                as free
         from users u left join conversation_assignees a on a.user_id = u.id
        where u.id = any($2::text[]) and u.active
     ), slot as (
       select candidate.id, row_number() over (order by round, candidate.place) as n
         from candidate cross join lateral generate_series(0, candidate.free - 1) as round
     ), pair as (
       select w.id as conversation_id, slot.id as assignee, w.n
         from unnest($1::text[]) with ordinality as w(id, n) join slot on slot.n = w.n
     ), assigned as (
       update conversations c set assigned_to = pair.assignee, status = 'active', waiting_since = null,
              closed_at = null
         from pair where c.id = pair.conversation_id and c.assigned_to is null and c.status <> 'closed'
       returning c.*
     ), noted as (
       -- As assignLeastRecent notes one offer: strictly after every earlier one, even in the same
       -- millisecond; here each later conversation of the batch a microsecond after the one before.
       insert into conversation_assignees (user_id, last_assigned_at)
       select pair.assignee,
              greatest($4::timestamptz,
                       (select max(last_assigned_at) from conversation_assignees) + interval '1 microsecond')
                + (max(pair.n) - 1)::float8 * interval '1 microsecond'
         from pair join assigned on assigned.id = pair.conversation_id
        group by pair.assignee
       on conflict (user_id) do update set last_assigned_at = excluded.last_assigned_at
     )
     select assigned.assigned_to as assignee, to_jsonb(assigned) as conversation from assigned`,
    [conversationIds, candidates, capacity, now],
  );
  return new Map(
    rows.map((row) => {
      const conversation = conversationOf(row.conversation);
      return [conversation.id, { assignee: row.assignee, conversation }];
    }),
  );
}

/**
 * The batch's audit entries, all at the batch's time, in one statement on the kept head's guess
 * (audit/service.ts guessedAppendParts). When the guess is wrong (another process appended
 * meanwhile) that statement has locked the head and read it: the entries are chained from it in
 * one more. With no guess kept (a process's first append), as appendAuditEntriesInTx appends. The
 * chain cannot fork: each insert is conditioned on the head it chains from, locked.
 */
export async function appendOnGuess(
  tx: Queryable,
  inputs: readonly AuditInput[],
  now: Date,
  head: AuditHeadCache,
  again = true,
): Promise<void> {
  if (!inputs.length) return;
  const params: unknown[] = [];
  const parts = guessedAppendParts(inputs, now, head, (value) => {
    params.push(value);
    return `$${params.length}`;
  });
  if (parts) {
    const [row] = await tx.query<{
      audit_seq: number | string | null;
      audit_hash: string | null;
      audit_appended: boolean;
    }>(`with ${parts.withSql} select ${parts.selectSql}`, params);
    if (row?.audit_appended) return;
    if (row?.audit_hash == null || row.audit_seq == null)
      throw new Error('audit chain head missing: migrations not applied');
    head.kept = { seq: Number(row.audit_seq), hash: row.audit_hash };
    // The head is this transaction's now (locked above), so the second guess is right.
    if (again) return appendOnGuess(tx, inputs, now, head, false);
  }
  await appendAuditEntriesInTx(
    tx,
    inputs.map((input) => ({ input, now })),
    head,
  );
}
