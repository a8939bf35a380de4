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
  {
    // Each counter remembers its rule's window so that a sweep knows when it is over; rows from
    // before this column get a day, longer than any rule's window.
    id: 'rate-limit/002-window-seconds',
    sql: `alter table rate_limits add column window_seconds integer not null default 86400;`,
  },
];
