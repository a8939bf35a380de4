import type { Migration } from '../db/migrate.js';

/**
 * The call router's tables. No column ever holds a caller's full number: the keyed hash
 * (hashPhone under the server hash key) and the last four digits only.
 *
 * - calls: one row per incoming call, written before anything rings (lesson 2). The row is the
 *   state machine: `status` moves only through guarded UPDATEs (… where status in (…)), so a
 *   retried webhook or a second server process cannot move it twice. `queue_deadline` is the
 *   due time of the one timer a waiting call has (voicemail); any process's tick fires it.
 * - call_legs: one row per volunteer rung, written BEFORE the provider request, so a status
 *   callback that outruns the provider's answer still finds its row (the callback URLs carry
 *   our leg id). `provider_leg_id` is filled in when the provider answers.
 * - call_bans: banned callers by keyed hash.
 * - webhook_receipts: provider events whose effect must happen once and that have no natural
 *   row to be idempotent on (an unknown-number rejection, for example).
 * - voicemails: the recording sealed for admins; the provider's copy is deleted (lesson 16).
 *
 * 002: once a call has ended, who answered, who was rung and the caller's hash are sealed for
 * the admins into `calls.meta_envelope` (call-meta.ts) and cleared from the plaintext columns;
 * a leg's `user_id` becomes null then, so it may no longer be required.
 *
 * 003: recording_deletes — a recording fetched and stored is deleted at the provider (lesson
 * 16); the row is written in the transaction that stores the voicemail and removed once the
 * provider confirms. A failed delete is retried by the call timers' tick with backoff
 * (voicemail.ts: retryRecordingDeletes); past the last attempt `gave_up_at` is set, the failure
 * audited ('calls.recording-delete-failed') and the row kept for the operator.
 *
 * 004: a voicemail is a streamed file (lesson 10): the ciphertext lives in the attachment store
 * (DATA_DIR/blobs/<blob_id>) and the row keeps the blob id, the plaintext size, the content type
 * and the admins' wraps of the file key instead of a sealed envelope. Nothing old is migrated
 * (there was no production data): the envelope column is dropped, and a row written before this
 * has no blob and reads as "no voicemail".
 *
 * 005: the call queue (ringing.ts) rings a volunteer for one call at a time. A leg the hotline
 * closed is `canceled` in the database at once, but the phone only stops ringing once the
 * provider has the cancel: `releasing_since` marks such a leg until then (cleared when the
 * cancel request settles; ignored 30 s after, should the process stop in between), and the
 * queue does not offer its volunteer another call meanwhile.
 */
export const callsMigrations: Migration[] = [
  {
    id: 'calls/001-calls-legs-bans-voicemails',
    sql: `
      create table calls (
        id text primary key,
        provider text not null,
        provider_call_id text not null,
        hotline_number text not null,
        caller_hash text,
        caller_last4 text,
        status text not null check (status in
          ('arriving', 'captcha', 'queued', 'ringing', 'answered', 'completed', 'voicemail', 'abandoned', 'rejected')),
        language text not null default 'en',
        answered_by text references users (id) on delete set null,
        answered_leg_id text,
        answered_at timestamptz,
        ended_at timestamptz,
        queue_deadline timestamptz,
        captcha_digits text,
        captcha_input text not null default '',
        voicemail_redirected_at timestamptz,
        redirect_attempts integer not null default 0,
        reject_reason text,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        unique (provider, provider_call_id)
      );
      create index calls_due on calls (queue_deadline) where status in ('queued', 'ringing', 'voicemail');
      create index calls_live on calls (status) where ended_at is null;
      create index calls_created on calls (created_at desc);
      create index calls_answered_by on calls (answered_by) where status = 'answered';

      create table call_legs (
        id text primary key,
        call_id text not null references calls (id) on delete cascade,
        user_id text not null references users (id) on delete cascade,
        kind text not null check (kind in ('phone', 'browser')),
        provider_leg_id text,
        status text not null check (status in
          ('pending', 'queued', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled')),
        ring_deadline timestamptz not null,
        created_at timestamptz not null,
        ended_at timestamptz
      );
      create unique index call_legs_provider_leg on call_legs (provider_leg_id) where provider_leg_id is not null;
      create index call_legs_call on call_legs (call_id);
      create index call_legs_live on call_legs (ring_deadline)
        where status in ('pending', 'queued', 'ringing', 'in-progress');

      create table call_bans (
        caller_hash text primary key,
        caller_last4 text,
        reason text not null default '',
        created_by text,
        created_at timestamptz not null,
        expires_at timestamptz
      );

      create table webhook_receipts (
        provider text not null,
        dedupe_key text not null,
        received_at timestamptz not null,
        primary key (provider, dedupe_key)
      );

      create table voicemails (
        call_id text primary key references calls (id) on delete cascade,
        envelope jsonb not null,
        content_type text not null,
        duration integer not null,
        created_at timestamptz not null
      );
    `,
  },
  {
    id: 'calls/002-sealed-call-meta',
    sql: `
      alter table calls add column meta_envelope jsonb;
      alter table call_legs alter column user_id drop not null;
      create index calls_unsealed on calls (ended_at) where ended_at is not null and meta_envelope is null;
    `,
  },
  {
    id: 'calls/003-recording-deletes',
    sql: `
      create table recording_deletes (
        provider text not null,
        recording_ref text not null,
        call_id text,
        attempts integer not null default 0,
        next_attempt_at timestamptz not null,
        created_at timestamptz not null,
        gave_up_at timestamptz,
        primary key (provider, recording_ref)
      );
      create index recording_deletes_due on recording_deletes (next_attempt_at) where gave_up_at is null;
    `,
  },
  {
    id: 'calls/004-voicemail-blobs',
    sql: `
      alter table voicemails drop column envelope;
      alter table voicemails add column blob_id text;
      alter table voicemails add column size bigint;
      alter table voicemails add column wraps jsonb;
      alter table voicemails add constraint voicemails_blob_complete
        check ((blob_id is null) = (wraps is null) and (blob_id is null) = (size is null));
    `,
  },
  {
    id: 'calls/005-queue-releasing-legs',
    sql: `
      alter table call_legs add column releasing_since timestamptz;
      create index call_legs_releasing on call_legs (releasing_since) where releasing_since is not null;
    `,
  },
  {
    // A role-play call an admin or trainer starts to one trainee (simulator/training.ts): never
    // offered by the queue, never counted in statistics.
    id: 'calls/006-training-calls',
    sql: `alter table calls add column training boolean not null default false;`,
  },
  {
    // Who is the caller of a training call (calls/training/): the queue counts them busy while
    // it lasts, on every process, so a trainer on shift is not rung mid-role-play.
    id: 'calls/007-training-trainer',
    sql: `alter table calls add column trainer_id text;`,
  },
  {
    // The queue's turn (store/legs.ts takeQueueTurn): a round holds this row locked from its
    // first statement to its commit, and the counter tells a round whether its first read is
    // the newest, so its lock and its read are one statement. Replaces the advisory lock. The
    // first round writes the row (a new database stays empty for a restore).
    id: 'calls/008-queue-turn',
    sql: `create table call_queue_turn (id integer primary key check (id = 1), turn bigint not null);`,
  },
];
