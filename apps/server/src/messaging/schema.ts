import type { Migration } from '../db/migrate.js';

/**
 * One row per connected messaging channel: its configuration sealed at rest (credentials
 * included), and a clear copy of the hotline's addresses on it (published numbers, the WhatsApp
 * phone number id, the Signal number), so that a webhook can be matched to the hotline without
 * decrypting the row. One number may serve two channels (Twilio SMS and WhatsApp): the channel is
 * in the webhook's path, so the pair decides.
 */
export const messagingMigrations: Migration[] = [
  {
    id: 'messaging/001-channel-configs',
    sql: `
      create table channel_configs (
        channel text primary key,
        sealed text not null,
        addresses jsonb not null default '[]'::jsonb,
        updated_at timestamptz not null,
        updated_by text
      );
    `,
  },
  {
    // An admin may take a channel out of service without losing its credentials: while
    // disabled, its webhooks answer as if nothing were stored and no reply is sent through it.
    id: 'messaging/002-channel-disabled',
    sql: `alter table channel_configs add column disabled boolean not null default false;`,
  },
];
