import type { Migration } from '../db/migrate.js';

export const rateLimitMigrations: Migration[] = [
  {
    id: 'rate-limit/001-counters',
    sql: `
      create table rate_limits (
        key text primary key,
        window_start timestamptz not null,
        count integer not null,
        blocked_until timestamptz
      );
    `,
  },
];
