import path from 'node:path';
import { z } from 'zod';
import { askHolder, type DataDirLockedError, type LockRequestHandler } from '../db/data-dir-lock.js';
import type { Database } from '../db/database.js';
import { writeBackup } from './backup.js';
import { BackupError } from './errors.js';

/**
 * `backup` while another process (the server) has the embedded database open: PGlite belongs to
 * one process, so that process writes the backup, asked over its lock socket (only processes that
 * can reach DATA_DIR can ask; they could read the database files anyway). The backup is still one
 * REPEATABLE READ snapshot; PGlite runs one statement at a time, so the server's requests wait
 * while it is written.
 */
const BackupRequest = z
  .object({
    op: z.literal('backup'),
    file: z.string().min(1).max(4096).refine(path.isAbsolute, 'must be an absolute path'),
  })
  .strict();

const BackupReply = z.object({ message: z.string().max(4096) }).strict();

/** The holder's side: answers backup requests with the summary line the CLI prints. */
export function backupRequests(db: Database): LockRequestHandler {
  return async (request) => {
    const parsed = BackupRequest.safeParse(request);
    if (!parsed.success) throw new Error('unknown request');
    let summary = '';
    await writeBackup(db, parsed.data.file, {
      progress: {
        isTTY: false,
        write: (text) => {
          summary += text;
          return true;
        },
      },
    });
    return { message: summary.trim() } satisfies z.infer<typeof BackupReply>;
  };
}

/** The CLI's side: asks the process named in `locked` to write `file`; throws BackupError on failure. */
export async function backupThroughHolder(locked: DataDirLockedError, file: string): Promise<string> {
  const holder = locked.holder ? `pid ${locked.holder.pid}, ${locked.holder.command}` : 'the running server';
  let reply: unknown;
  try {
    reply = await askHolder(locked.dir, { op: 'backup', file: path.resolve(file) });
  } catch (error) {
    throw new BackupError(`backup through ${holder} failed: ${(error as Error).message}`);
  }
  const parsed = BackupReply.safeParse(reply);
  if (!parsed.success) throw new BackupError(`${locked.message}\n(it did not take the backup request)`);
  return `${parsed.data.message} (written by ${holder}, which holds the database)`;
}
