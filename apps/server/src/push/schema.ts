import type { Migration } from '../db/migrate.js';

/**
 * Web Push owns the server's VAPID key pair and the members' push subscriptions.
 * - push_vapid: one row. The private key is sealed at rest under the settings key
 *   (LABEL_SERVER_FIELD, record id `push_vapid/1/private_key`); the public key is published.
 * - push_subscriptions: one row per member's browser (device). The endpoint is a capability
 *   URL at the browser's push service; p256dh and auth are the device's public key and shared
 *   secret for RFC 8291 payload encryption. A push service answering 404/410 deletes the row.
 */
export const pushMigrations: Migration[] = [
  {
    id: 'push/001-vapid-subscriptions',
    sql: `
      create table push_vapid (
        id integer primary key check (id = 1),
        public_key text not null,
        private_key_sealed text not null,
        created_at timestamptz not null
      );

      create table push_subscriptions (
        id text primary key,
        user_id text not null references users (id) on delete cascade,
        endpoint text not null unique,
        p256dh text not null,
        auth text not null,
        created_at timestamptz not null,
        last_sent_at timestamptz
      );
      create index push_subscriptions_user on push_subscriptions (user_id);
    `,
  },
];
