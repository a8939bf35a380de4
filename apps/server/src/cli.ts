#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { verifyAuditLog } from './audit/service.js';
import { resetRequestKeySeed } from './auth/request-key-seed.js';
import { backupCommand, restoreCommand } from './backup/commands.js';
import { ConfigError, loadConfig } from './config.js';
import { createContext } from './context.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { verifyServedCommand } from './health/verify-served.js';
import { issueBootstrapLink } from './identity/bootstrap.js';
import { createLogger } from './logging.js';
import { serveCommand } from './main.js';

const USAGE = `usage: llamenos <command>

commands:
  serve            run the hotline server (default)
  migrate          apply database migrations and exit
  bootstrap        print a new one-time link to create the first admin
  audit verify     check the audit log's hash chain; exit 1 at the first broken link
  backup <file>    write a consistent dump of the whole database to <file> (while the
                   server runs on the embedded database, the server writes it)
  restore <file> [--force]
                   load a backup into an empty database (--force replaces its content),
                   then verify the audit chain
  request-keys reset
                   refuse every request key issued so far (a new seed for the request-key
                   secret); restart every server process afterwards
  verify-served <url> <CHECKSUMS.txt>
                   fetch every web file a release's CHECKSUMS.txt lists from the server at
                   <url> and compare them, and its /api/version; exit 1 at any difference
`;

/** Opens the configured database with migrations applied, runs `fn`, closes it. */
async function withContext<T>(
  fn: (ctx: Awaited<ReturnType<typeof createContext>>) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const ctx = await createContext(
    config,
    createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL),
  );
  try {
    return await fn(ctx);
  } finally {
    await ctx.db.close();
  }
}

async function runCli(argv: string[]): Promise<number> {
  const [command = 'serve', sub] = argv;
  switch (command) {
    case 'serve':
      await serveCommand();
      return -1; // keeps running
    case 'migrate':
      await withContext(async () => process.stdout.write('migrations are up to date\n'));
      return 0;
    case 'bootstrap':
      await withContext(async (ctx) => process.stdout.write(`${await issueBootstrapLink(ctx)}\n`));
      return 0;
    case 'audit': {
      if (sub !== 'verify') break;
      const verdict = await withContext((ctx) => verifyAuditLog(ctx.db));
      if (verdict.ok) {
        process.stdout.write(`audit chain intact: ${verdict.count} entries, head ${verdict.headHash}\n`);
        return 0;
      }
      process.stdout.write(
        `audit chain BROKEN at entry ${verdict.brokenAt}: ${verdict.reason} (${verdict.count} entries verified before it)\n`,
      );
      return 1;
    }
    case 'backup':
      return backupCommand(argv.slice(1));
    case 'restore':
      return restoreCommand(argv.slice(1));
    case 'request-keys': {
      if (sub !== 'reset') break;
      await withContext((ctx) => resetRequestKeySeed(ctx.db));
      process.stdout.write(
        'request keys reset: every key issued so far is refused once every server process has restarted\n',
      );
      return 0;
    }
    case 'verify-served':
      return verifyServedCommand(argv.slice(1));
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
  }
  process.stderr.write(USAGE);
  return 2;
}

/** Runs a command and exits with its code: dist/cli.js, and the release bundle's entry (sea/entry.ts). */
export function runMain(argv: string[]): void {
  runCli(argv).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (error) => {
      // Both are the operator's to fix and say all there is to say: no stack.
      const plain = error instanceof ConfigError || error instanceof DataDirLockedError;
      process.stderr.write(`${plain ? error.message : (error as Error).stack}\n`);
      process.exit(error instanceof ConfigError ? 2 : 1);
    },
  );
}

const invokedAs = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invokedAs === fileURLToPath(import.meta.url)) runMain(process.argv.slice(2));
