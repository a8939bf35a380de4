import path from 'node:path';
import { backupRequests } from '../backup/through-holder.js';
import type { Database } from './database.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/**
 * PostgreSQL when DATABASE_URL is set, otherwise PGlite in DATA_DIR/db, locked to this process
 * for as long as it is open; other processes' `backup` is written by this one (see pglite.ts).
 */
export function openDatabase(config: {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
}): Promise<Database> {
  return config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL)
    : openPglite(path.join(config.DATA_DIR, 'db'), { requests: backupRequests });
}
