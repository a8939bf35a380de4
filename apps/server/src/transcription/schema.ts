import type { Migration } from '../db/migrate.js';

/**
 * Transcription owns the hotline's whisper model (a public file, stored on disk by its SHA-256:
 * model-files.ts) and sealed transcripts.
 *
 * - transcription_model_uploads: an admin's upload in progress; `received` counts the bytes
 *   fsynced to its partial file, always whole chunks.
 * - transcription_model: the one current model (a single row), which GET /api/settings/public
 *   names so every member's client can fetch and cache it.
 * - transcripts / transcript_wraps: like notes, a ciphertext and one key wrap per reader; the
 *   clear columns are ids, the call, the source (voicemail or call), the author and the time.
 *   A transcript goes with its call (on delete cascade): the call-record retention removes both.
 * - transcription_claims: which admin's browser is transcribing a voicemail automatically, as a
 *   lease until `expires_at` (claim-service.ts); one row per call, gone with the call or once a
 *   voicemail transcript is stored.
 */
export const transcriptionMigrations: Migration[] = [
  {
    id: 'transcription/001-model-and-transcripts',
    sql: `
      create table transcription_model_uploads (
        id text primary key,
        name text not null,
        size bigint not null check (size > 0),
        sha256 text not null,
        received bigint not null default 0 check (received >= 0),
        created_by text not null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );

      create table transcription_model (
        singleton boolean primary key default true check (singleton),
        sha256 text not null,
        name text not null,
        size bigint not null,
        uploaded_at timestamptz not null,
        uploaded_by text not null
      );

      create table transcripts (
        id text primary key,
        call_id text not null references calls (id) on delete cascade,
        source text not null check (source in ('voicemail', 'call')),
        author_id text not null,
        author_pubkey text not null,
        ciphertext text not null,
        created_at timestamptz not null
      );
      create index transcripts_call on transcripts (call_id, created_at, id);

      create table transcript_wraps (
        transcript_id text not null references transcripts (id) on delete cascade,
        reader_pubkey text not null,
        wrap text not null,
        primary key (transcript_id, reader_pubkey)
      );
      -- The grant flow asks "which transcripts have no wrap for this reader yet".
      create index transcript_wraps_reader on transcript_wraps (reader_pubkey, transcript_id);
    `,
  },
  {
    id: 'transcription/002-voicemail-claims',
    sql: `
      create table transcription_claims (
        call_id text primary key references calls (id) on delete cascade,
        claimed_by text not null,
        expires_at timestamptz not null
      );
    `,
  },
];
