import { loadConfig } from '../config.js';
import { deriveServerKeys } from '../context.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { openDatabase } from '../db/open.js';
import { ALL_MIGRATIONS } from '../modules.js';
import { writeBackup } from './backup.js';
import { BackupError } from './errors.js';
import { restoreBackup } from './restore.js';
import { backupThroughHolder } from './through-holder.js';

/**
 * The CLI side of backup and restore. Both open the database without migrating it: a backup
 * taken before an upgrade must capture the old schema, and restore migrates in two steps itself.
 */
async function withDatabase(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<number>) {
  const db = await openDatabase(loadConfig());
  try {
    return await fn(db);
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}

/** `llamenos backup <file>` */
export function backupCommand(args: string[]): Promise<number> {
  const [file, ...rest] = args;
  if (!file || rest.length) {
    process.stderr.write('usage: llamenos backup <file>\n');
    return Promise.resolve(2);
  }
  return withDatabase(async (db) => {
    await writeBackup(db, file);
    return 0;
  }).catch(async (error: unknown) => {
    // The embedded database is open in the server: it writes the backup instead.
    if (!(error instanceof DataDirLockedError)) throw error;
    try {
      process.stderr.write(`${await backupThroughHolder(error, file)}\n`);
      return 0;
    } catch (failure) {
      if (!(failure instanceof BackupError)) throw failure;
      process.stderr.write(`${failure.message}\n`);
      return 1;
    }
  });
}

/** `llamenos restore <file> [--force]`: exit 0 when restored with an intact audit chain, 1 otherwise. */
export function restoreCommand(args: string[]): Promise<number> {
  const force = args.includes('--force');
  const files = args.filter((a) => a !== '--force');
  if (files.length !== 1 || files[0]!.startsWith('-')) {
    process.stderr.write('usage: llamenos restore <file> [--force]\n');
    return Promise.resolve(2);
  }
  return withDatabase(async (db) => {
    // Scheduled backups are encrypted under the settings key: the same SERVER_SECRET opens them.
    const key = deriveServerKeys(loadConfig().serverSecret).settingsKey;
    const { verdict } = await restoreBackup(db, files[0]!, { migrations: ALL_MIGRATIONS, force, key });
    if (verdict.ok) {
      process.stdout.write(`audit chain intact: ${verdict.count} entries, head ${verdict.headHash}\n`);
      return 0;
    }
    process.stdout.write(
      `audit chain BROKEN at entry ${verdict.brokenAt}: ${verdict.reason} (the backup was restored as it was)\n`,
    );
    return 1;
  });
}
