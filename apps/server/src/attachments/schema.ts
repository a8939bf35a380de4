import type { Migration } from '../db/migrate.js';

/**
 * Attachments: chunked, resumable uploads of sealed streams (docs/PROTOCOL.md §10.2). The server
 * sees what it must to store a stream it cannot open: its header, chunk size and count, how many
 * chunks arrived, and which file on disk holds them. The file's name, type and exact size live
 * only in the sealed report. The file key's wraps go to the reports module's `report_wraps`
 * (record id `attachment:<id>`), so granting a new report admin is one query over one table.
 *
 * While uploading, the chunks are appended to a partial file (`partial_id`, see blobs/store.ts);
 * on the last one it is renamed to a blob (`blob_id`). `last_chunk_sha256` lets a client that
 * lost an answer send its last chunk again and get the same acknowledgement.
 * `first_chunk_sha256` is the hash of sealed chunk 0 the client declared when it opened the
 * upload (002): chunk 0 must match it, and a client resuming with no chunk acknowledged re-seals
 * chunk 0 and compares, as it compares chunk received−1 otherwise.
 *
 * Since 003 the table holds every sealed file the server stores, whoever owns it (`owner_kind`):
 * a report's attachment (`report_id`; the upload columns above) or a conversation message's
 * media (`conversation_id`, `message_id`, `position`; sealed by the server as it arrives from
 * the provider, its wraps in the conversations module's `conversation_wraps`). Exactly one owner
 * is set (checked). A media file's provider state rides on its row: `provider_ref_enc` (the
 * provider's handle, sealed at rest, cleared once the provider's copy is deleted),
 * `provider_attempts` and `provider_next_attempt_at` (the fetch/delete backoff).
 */
export const attachmentsMigrations: Migration[] = [
  {
    id: 'attachments/001-attachments',
    sql: `
      create table attachments (
        id text primary key,
        report_id text not null references reports (id) on delete cascade,
        uploader_id text not null,
        uploader_pubkey text not null,
        state text not null check (state in ('uploading', 'complete', 'failed')),
        header text not null,
        chunk_log2 integer not null,
        chunk_count bigint not null,
        received bigint not null default 0,
        bytes_received bigint not null default 0,
        last_chunk_sha256 text,
        partial_id text,
        blob_id text,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        completed_at timestamptz
      );
      create index attachments_report on attachments (report_id, created_at, id);
      create index attachments_stale on attachments (state, updated_at);
    `,
  },
  {
    id: 'attachments/002-first-chunk-sha256',
    sql: 'alter table attachments add column first_chunk_sha256 text;',
  },
  {
    // One table for every sealed file (issue 11): a conversation message's media joins the
    // reports' attachments. Its rows move from conversations' `conversation_media` unchanged
    // (same ids, so the key wraps in `conversation_wraps`, record id `attachment:<id>`, stay
    // valid where the re-wrap logic reads them; the blob files stay where they are, no byte is
    // sealed again): pending becomes uploading (its bytes are still arriving, from the
    // provider), stored becomes complete. The provider-side state of a media file (its sealed
    // handle, fetch attempts, next attempt) comes with it; conversations/media.ts runs it.
    id: 'attachments/003-conversation-message-media',
    sql: `
      alter table attachments add column owner_kind text not null default 'report'
        check (owner_kind in ('report', 'conversation-message'));
      alter table attachments alter column owner_kind drop default;
      alter table attachments alter column report_id drop not null;
      alter table attachments alter column uploader_id drop not null;
      alter table attachments alter column uploader_pubkey drop not null;
      alter table attachments alter column header drop not null;
      alter table attachments alter column chunk_log2 drop not null;
      alter table attachments alter column chunk_count drop not null;
      alter table attachments
        add column conversation_id text references conversations (id) on delete cascade,
        add column message_id text references conversation_messages (id) on delete cascade,
        add column position integer,
        add column content_type text,
        add column size_bucket bigint,
        add column provider_ref_enc text,
        add column provider_attempts integer not null default 0,
        add column provider_next_attempt_at timestamptz;
      alter table attachments add constraint attachments_one_owner check (
        (owner_kind = 'report' and report_id is not null
          and conversation_id is null and message_id is null)
        or (owner_kind = 'conversation-message' and report_id is null
          and conversation_id is not null and message_id is not null)
      );
      alter table attachments add constraint attachments_owner_shape check (
        (owner_kind = 'report' and uploader_id is not null and uploader_pubkey is not null
          and header is not null and chunk_log2 is not null and chunk_count is not null
          and position is null and content_type is null and size_bucket is null
          and provider_ref_enc is null and provider_next_attempt_at is null)
        or (owner_kind = 'conversation-message' and position is not null
          and uploader_id is null and uploader_pubkey is null and partial_id is null)
      );

      insert into attachments (id, owner_kind, conversation_id, message_id, position, content_type,
          state, blob_id, size_bucket, provider_ref_enc, provider_attempts, provider_next_attempt_at,
          created_at, updated_at, completed_at)
        select id, 'conversation-message', conversation_id, message_id, position, content_type,
            case state when 'pending' then 'uploading' when 'stored' then 'complete' else 'failed' end,
            blob_id, size_bucket, provider_ref_enc, attempts, next_attempt_at,
            created_at, created_at, case when state = 'stored' then created_at end
          from conversation_media;
      drop table conversation_media;

      create index attachments_message on attachments (message_id, position) where message_id is not null;
      create index attachments_conversation on attachments (conversation_id) where conversation_id is not null;
      create index attachments_provider_due on attachments (provider_next_attempt_at)
        where provider_next_attempt_at is not null;
    `,
  },
];
