import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';

/** The backup_runs table (./schema.ts): claiming an interval, recording how its run ended. */

/** Takes `slot` for a new run; null when another run (here or in another process) already has it. */
export async function claimBackupSlot(db: Queryable, slot: string, now: Date): Promise<string | null> {
  const rows = await db.query<{ id: string }>(
    `insert into backup_runs (id, slot, started_at, status) values ($1, $2, $3, 'running')
     on conflict (slot) do nothing returning id`,
    [randomUUID(), slot, now],
  );
  return rows[0]?.id ?? null;
}

export async function isSlotTaken(db: Queryable, slot: string): Promise<boolean> {
  return (await db.query('select 1 from backup_runs where slot = $1', [slot])).length > 0;
}

export async function recordBackupSuccess(
  db: Queryable,
  id: string,
  result: { fileName: string; bytes: number; auditEntries: number },
  now: Date,
): Promise<void> {
  await db.query(
    `update backup_runs set status = 'ok', finished_at = $2, file_name = $3, bytes = $4, audit_entries = $5
      where id = $1`,
    [id, now, result.fileName, result.bytes, result.auditEntries],
  );
}

export async function recordBackupFailure(
  db: Queryable,
  id: string,
  error: string,
  now: Date,
): Promise<void> {
  await db.query(`update backup_runs set status = 'failed', finished_at = $2, error = $3 where id = $1`, [
    id,
    now,
    error,
  ]);
}

/** Runs still "running" long after they started: their process stopped while writing. */
export async function markInterruptedRuns(db: Queryable, startedBefore: Date, now: Date): Promise<void> {
  await db.query(
    `update backup_runs set status = 'failed', finished_at = $2,
            error = 'interrupted: the server stopped while writing it'
      where status = 'running' and started_at < $1`,
    [startedBefore, now],
  );
}

export interface BackupRunRow {
  status: 'ok' | 'failed';
  finished_at: Date;
  file_name: string | null;
  bytes: string | number | null;
  audit_entries: number | null;
  error: string | null;
}

/** The newest finished run of each outcome. */
export async function lastBackupRuns(db: Queryable): Promise<{ ok?: BackupRunRow; failed?: BackupRunRow }> {
  const rows = await db.query<BackupRunRow>(
    `select distinct on (status) status, finished_at, file_name, bytes, audit_entries, error
       from backup_runs where status in ('ok', 'failed')
      order by status, finished_at desc`,
  );
  return Object.fromEntries(rows.map((r) => [r.status, r]));
}
