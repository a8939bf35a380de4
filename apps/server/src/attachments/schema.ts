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
];
