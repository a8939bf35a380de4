import type { Migration } from '../db/migrate.js';

/** Tables of the auth module: the NIP-98 replay cache and server sessions (passkey log-ins). */
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
];
