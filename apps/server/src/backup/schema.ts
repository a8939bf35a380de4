import type { Migration } from '../db/migrate.js';

/**
 * Scheduled backups (./schedule.ts): one row per run. `slot` names the interval a run belongs to
 * (`<hours>h:<n>`, the n-th interval since 1970 UTC); its uniqueness is what lets exactly one
 * process take a given interval's backup.
 */
export const backupMigrations: Migration[] = [
  {
    id: 'backup/001-backup-runs',
    sql: `
      create table backup_runs (
        id text primary key,
        slot text not null unique,
        started_at timestamptz not null,
        finished_at timestamptz,
        status text not null check (status in ('running', 'ok', 'failed')),
        file_name text,
        bytes bigint,
        audit_entries integer,
        error text
      );
      create index backup_runs_by_start on backup_runs (started_at desc);
    `,
  },
];
