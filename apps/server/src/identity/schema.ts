import type { Migration } from '../db/migrate.js';

/**
 * Identity owns the hotline's people: users (volunteers, admins, reporters) by public key,
 * custom roles, invites and the one-time bootstrap code for the first admin.
 * Phone numbers are stored encrypted with the server settings key, plus the last four digits.
 */
export const identityMigrations: Migration[] = [
  {
    id: 'identity/001-users-roles-invites',
    sql: `
      create table users (
        id text primary key,
        pubkey text not null unique,
        display_name text not null,
        phone_enc text,
        phone_last4 text,
        languages jsonb not null default '[]'::jsonb,
        roles jsonb not null default '[]'::jsonb,
        active boolean not null default true,
        on_break boolean not null default false,
        call_preference text not null default 'browser' check (call_preference in ('phone', 'browser', 'both')),
        created_at timestamptz not null,
        updated_at timestamptz not null,
        deactivated_at timestamptz
      );

      create table custom_roles (
        id text primary key,
        name text not null unique,
        description text not null default '',
        permissions jsonb not null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );

      create table invites (
        id text primary key,
        token_hash text not null unique,
        display_name text not null,
        roles jsonb not null,
        phone_enc text,
        phone_last4 text,
        created_by text not null,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        redeemed_at timestamptz,
        redeemed_by text,
        revoked_at timestamptz
      );

      create table bootstrap_tokens (
        token_hash text primary key,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        used_at timestamptz
      );
    `,
  },
  {
    // The code sealed under the server settings key, so every process can print the same link.
    id: 'identity/002-bootstrap-token-sealed',
    sql: 'alter table bootstrap_tokens add column token_sealed text;',
  },
  {
    // A member's opt-out of transcription of the calls they answer in the browser (on by default;
    // it matters only when an admin allows it in settings → transcription).
    id: 'identity/003-transcribe-my-calls',
    sql: 'alter table users add column transcribe_my_calls boolean not null default true;',
  },
  {
    // The interface language a member chose, so each device they sign in on speaks it. No check
    // constraint: the shipped list lives in code (UI_LOCALE_CODES) and may grow or shrink; a code
    // the client no longer ships is ignored there, never refused here.
    id: 'identity/004-users-ui-language',
    sql: 'alter table users add column ui_language text;',
  },
  {
    // A value that changes with every change to who holds which grants: a member's key, roles or
    // activity, a custom role, a passkey added or removed. The signed-request statement reads it in
    // the same snapshot as the replay-cache insert, so a process may keep members' standing while
    // it is unchanged (auth/signed-requests.ts) and still see a change made on any process at the
    // member's next request. Triggers, not the services, change it: no write path can forget.
    // A fresh random value rather than a count: a restore brings back the backup's value, and a
    // process that kept standing read after that backup must not meet its own value again.
    id: 'identity/005-member-generation',
    sql: `
      create table member_generation (
        id integer primary key check (id = 1),
        generation bigint not null
      );
      insert into member_generation (id, generation) values (1, 0);

      create function member_generation_bump() returns trigger language plpgsql as $$
      begin
        -- A restore loads the backup's value with the rows it was read with (backup/restore.ts).
        if current_setting('llamenos.restoring', true) = 'on' then
          return null;
        end if;
        update member_generation set generation = (random() * 9e18)::bigint where id = 1;
        return null;
      end
      $$;

      create trigger users_standing_changed after update on users for each row
        when (old.id is distinct from new.id or old.pubkey is distinct from new.pubkey
          or old.roles is distinct from new.roles or old.active is distinct from new.active)
        execute function member_generation_bump();
      create trigger users_added_or_removed after insert or delete or truncate on users
        for each statement execute function member_generation_bump();
      create trigger custom_roles_changed after insert or update or delete or truncate on custom_roles
        for each statement execute function member_generation_bump();
      create trigger passkeys_added_or_removed after insert or delete or truncate or update of user_id on passkeys
        for each statement execute function member_generation_bump();
    `,
  },
];
