import type { Migration } from '../db/migrate.js';

/**
 * Real-time owns the hub keys and the outbox of the multi-process bridge.
 * - hub_keys: one row per hub-key epoch. The partial unique index admits at most one current
 *   key (retired_at is null), so two concurrent rotations can never leave two current keys.
 * - hub_key_wraps: the key wrapped (ECIES, docs/PROTOCOL.md Section 11) for each member and for
 *   the server, which must encrypt events. The key itself is never stored in clear.
 * - realtime_outbox: signed events too large for a NOTIFY payload (see bridge.ts); short-lived.
 */
export const realtimeMigrations: Migration[] = [
  {
    id: 'realtime/001-hub-keys-outbox',
    sql: `
      create table hub_keys (
        id text primary key,
        created_at timestamptz not null,
        retired_at timestamptz,
        reason text not null
      );
      create unique index hub_keys_one_current on hub_keys ((retired_at is null)) where retired_at is null;

      create table hub_key_wraps (
        hub_key_id text not null references hub_keys (id) on delete cascade,
        pubkey text not null,
        wrap text not null,
        primary key (hub_key_id, pubkey)
      );

      create table realtime_outbox (
        id bigserial primary key,
        event text not null,
        created_at timestamptz not null default now()
      );
      create index realtime_outbox_created on realtime_outbox (created_at);
    `,
  },
];
