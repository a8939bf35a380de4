import type { Migration } from '../db/migrate.js';

/**
 * Records owns call notes. Content never reaches the server in the clear: each version of a
 * note is a sealed envelope (docs/PROTOCOL.md, "Sealed envelopes for readers") split into its
 * ciphertext (note_versions) and one key wrap per reader (note_wraps). The clear columns are
 * only the metadata the design allows: ids, author, call, times.
 *
 * A deleted note keeps its `notes` row as a tombstone (deleted_at set, versions and wraps
 * purged), so its id is never reused and audit entries still name something; retention
 * removes old rows, tombstones included.
 */
export const recordsMigrations: Migration[] = [
  {
    id: 'records/001-notes',
    sql: `
      create table notes (
        id text primary key,
        call_id text,
        author_id text not null,
        author_pubkey text not null,
        current_version integer not null check (current_version >= 1),
        created_at timestamptz not null,
        updated_at timestamptz not null,
        deleted_at timestamptz
      );
      create index notes_created on notes (created_at desc, id desc);
      create index notes_author_created on notes (author_id, created_at desc, id desc);
      create index notes_call on notes (call_id) where call_id is not null;

      create table note_versions (
        note_id text not null references notes (id) on delete cascade,
        version integer not null check (version >= 1),
        ciphertext text not null,
        created_at timestamptz not null,
        created_by text not null,
        primary key (note_id, version)
      );

      create table note_wraps (
        note_id text not null,
        version integer not null,
        reader_pubkey text not null,
        wrap text not null,
        primary key (note_id, version, reader_pubkey),
        foreign key (note_id, version) references note_versions (note_id, version) on delete cascade
      );
      -- The grant flow asks "which versions have no wrap for this reader yet".
      create index note_wraps_reader on note_wraps (reader_pubkey, note_id, version);
    `,
  },
];
