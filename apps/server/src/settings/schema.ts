import type { Migration } from '../db/migrate.js';

/** One row per hotline holds the settings document; provider credentials are encrypted, one row per provider. */
export const settingsMigrations: Migration[] = [
  {
    id: 'settings/001-settings-and-credentials',
    sql: `
      create table hotline_settings (
        id int primary key check (id = 1),
        value jsonb not null,
        version integer not null,
        updated_at timestamptz not null,
        updated_by text
      );

      create table provider_credentials (
        provider text primary key,
        sealed text not null,
        updated_at timestamptz not null,
        updated_by text
      );
    `,
  },
  {
    // The hotline's own numbers are published to callers, so they are not secret; keeping a clear
    // copy beside the sealed blob lets the call router find a number's provider, and lets two
    // providers be refused the same number, without decrypting every row.
    id: 'settings/002-provider-phone-numbers',
    sql: `
      alter table provider_credentials add column phone_numbers jsonb not null default '[]'::jsonb;
    `,
  },
];
