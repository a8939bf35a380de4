import type { Migration } from '../db/migrate.js';

/**
 * Tables of the auth module: the NIP-98 replay cache, server sessions (passkey log-ins),
 * WebAuthn challenges, registered passkeys and the request-key seed.
 */
export const authMigrations: Migration[] = [
  {
    id: 'auth/001-replay-cache-and-sessions',
    sql: `
      create table auth_replay (
        event_id text primary key,
        remember_until timestamptz not null
      );
      create index auth_replay_expiry on auth_replay (remember_until);

      create table sessions (
        id text primary key,
        token_hash text not null unique,
        user_id text not null,
        pubkey text not null,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        revoked_at timestamptz
      );
      create index sessions_user on sessions (user_id);
    `,
  },
  {
    // Challenges live in the database, not in process memory: the options and the verify
    // request of one ceremony may reach different server processes.
    id: 'auth/002-passkeys',
    sql: `
      create table webauthn_challenges (
        id text primary key,
        user_id text,
        challenge text not null,
        purpose text not null check (purpose in ('register', 'login')),
        created_at timestamptz not null,
        expires_at timestamptz not null,
        used_at timestamptz
      );
      create index webauthn_challenges_expiry on webauthn_challenges (expires_at);

      create table passkeys (
        id text primary key,
        user_id text not null,
        public_key text not null,
        counter bigint not null default 0,
        transports jsonb not null default '[]'::jsonb,
        label text not null,
        created_at timestamptz not null,
        last_used_at timestamptz
      );
      create index passkeys_user on passkeys (user_id);
    `,
  },
  {
    // The database's half of the request-key secret (request-key-seed.ts): one row, made by
    // the first process that starts on this database.
    id: 'auth/003-request-key-seed',
    sql: `
      create table auth_request_key_seed (
        id integer primary key check (id = 1),
        seed text not null check (seed ~ '^[0-9a-f]{64}$')
      );
    `,
  },
];
