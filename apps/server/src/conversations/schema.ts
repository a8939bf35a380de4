import type { Migration } from '../db/migrate.js';

/**
 * The conversations module's tables. No column holds a message body, a contact's address in
 * clear or a provider's media URL in clear:
 *
 * - conversations: one per (channel, hotline address, contact). The contact is the keyed hash
 *   of their address (the same hash as a caller's number, so one ban covers both) and the last
 *   four digits; the address itself, needed to reply, is sealed at rest under the server key
 *   (`contact_enc`). `status` moves only through guarded UPDATEs (claim: `assigned_to is null`).
 * - conversation_messages: the ciphertext of each message (PURPOSES.message, record id
 *   `message:<id>`). Inbound rows are unique on (channel, provider_message_id): a provider's
 *   retry inserts nothing.
 * - conversation_wraps: one key wrap per (record, reader) — messages and media alike — so a
 *   history re-wrap adds rows and can never duplicate one.
 * - conversation_media (until attachments/003, which moved its rows into the attachments
 *   module's `attachments` table, owner kind conversation-message, and dropped it): an
 *   attachment's state; the provider's handle is sealed at rest until the encrypted copy is
 *   stored and the provider's copy deleted, then cleared.
 * - conversation_reads: each member's read mark, for unread counts.
 * - conversation_rewraps: "wrap this history for that key" requests (lesson 15).
 * - conversation_assignees: when each volunteer was last given a conversation (round robin).
 * - conversation_assign_lock: one row locked while a conversation is assigned, so two arrivals
 *   cannot both fill a volunteer's last free place.
 * - conversation_notices (002): automatic replies owed to a contact and not yet handed to the
 *   provider (an outbox the conversation timers empty).
 */
export const conversationsMigrations: Migration[] = [
  {
    id: 'conversations/001-conversations-messages-wraps',
    sql: `
      create table conversations (
        id text primary key,
        channel text not null,
        kind text not null check (kind in ('sms', 'whatsapp', 'signal')),
        hotline_address text not null,
        contact_hash text not null,
        contact_last4 text,
        contact_enc text not null,
        status text not null check (status in ('waiting', 'active', 'closed')),
        assigned_to text references users (id) on delete set null,
        opted_out boolean not null default false,
        waiting_since timestamptz,
        last_message_at timestamptz not null,
        last_inbound_at timestamptz,
        created_at timestamptz not null,
        closed_at timestamptz,
        unique (channel, hotline_address, contact_hash)
      );
      create index conversations_assigned on conversations (assigned_to) where status = 'active';
      create index conversations_waiting on conversations (waiting_since) where status = 'waiting';
      create index conversations_last on conversations (last_message_at desc);

      create table conversation_messages (
        id text primary key,
        conversation_id text not null references conversations (id) on delete cascade,
        direction text not null check (direction in ('in', 'out')),
        channel text not null,
        provider_message_id text,
        ciphertext text not null,
        author text references users (id) on delete set null,
        delivery text not null check (delivery in
          ('received', 'pending', 'queued', 'sent', 'delivered', 'read', 'failed')),
        error_code text,
        retryable boolean not null default false,
        created_at timestamptz not null
      );
      create unique index conversation_messages_provider on conversation_messages (channel, provider_message_id)
        where provider_message_id is not null;
      create index conversation_messages_thread on conversation_messages (conversation_id, created_at);

      create table conversation_wraps (
        record_id text not null,
        reader text not null,
        conversation_id text not null references conversations (id) on delete cascade,
        wrap text not null,
        primary key (record_id, reader)
      );
      create index conversation_wraps_reader on conversation_wraps (conversation_id, reader);

      create table conversation_media (
        id text primary key,
        message_id text not null references conversation_messages (id) on delete cascade,
        conversation_id text not null references conversations (id) on delete cascade,
        position integer not null,
        provider_ref_enc text,
        content_type text,
        state text not null check (state in ('pending', 'stored', 'failed')),
        blob_id text,
        size_bucket bigint,
        attempts integer not null default 0,
        next_attempt_at timestamptz,
        created_at timestamptz not null
      );
      create index conversation_media_message on conversation_media (message_id, position);
      create index conversation_media_due on conversation_media (next_attempt_at) where next_attempt_at is not null;

      create table conversation_reads (
        conversation_id text not null references conversations (id) on delete cascade,
        user_id text not null references users (id) on delete cascade,
        read_at timestamptz not null,
        primary key (conversation_id, user_id)
      );

      create table conversation_rewraps (
        id text primary key,
        conversation_id text not null references conversations (id) on delete cascade,
        recipient text not null,
        created_at timestamptz not null,
        completed_at timestamptz,
        unique (conversation_id, recipient)
      );

      create table conversation_assignees (
        user_id text primary key references users (id) on delete cascade,
        last_assigned_at timestamptz not null
      );

      create table conversation_assign_lock (id integer primary key check (id = 1));
      insert into conversation_assign_lock (id) values (1);
    `,
  },
  {
    // The automatic replies a contact is owed (first-contact notice, "nobody is available"), an
    // outbox on the conversation timers (replies.ts): a row is written by the same statement that
    // stores the text that earns it, keyed by the id its message will have, so a process that dies
    // before the notice is stored or handed to the provider leaves it here for any process's timer;
    // the message's primary key and a guarded claim of this row keep it from being sent twice.
    // `attempts` counts hand-overs to the provider, `due_at` is when a timer may take it (a lease
    // while one process works on it, then the next retry), `body_enc` the text as stored, sealed
    // under the settings key until the last attempt. Gone once sent or given up.
    id: 'conversations/002-automatic-reply-outbox',
    sql: `
      create table conversation_notices (
        message_id text primary key,
        conversation_id text not null references conversations (id) on delete cascade,
        kind text not null check (kind in ('first-contact', 'no-volunteer')),
        attempts integer not null default 0,
        due_at timestamptz not null,
        body_enc text
      );
      create index conversation_notices_due on conversation_notices (due_at);
      create index conversation_notices_conversation on conversation_notices (conversation_id);
    `,
  },
];
