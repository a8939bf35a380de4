import { readFileSync } from 'node:fs';
import type { Database } from '../../apps/server/src/db/database.js';

/** The process ids of this database's PostgreSQL backends (none on PGlite, which runs in-process). */
export const backends = async (db: Database): Promise<number[]> =>
  db.kind === 'postgres'
    ? (
        await db.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()')
      ).map((r) => r.pid)
    : [];

/** CPU seconds (user + system) these processes have used so far, from /proc (clock ticks of 1/100 s). */
export const cpuOf = (pids: number[]): number =>
  pids.reduce((sum, pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return sum + (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      return sum;
    }
  }, 0);
