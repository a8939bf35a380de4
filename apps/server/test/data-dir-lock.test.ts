import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuthHeader, generateSecretKey } from '@llamenos/crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../src/audit/service.js';
import { DataDirLockedError, lockDataDir } from '../src/db/data-dir-lock.js';
import { migrate } from '../src/db/migrate.js';
import { openPglite } from '../src/db/pglite.js';
import { ALL_MIGRATIONS } from '../src/modules.js';
import { CLI_NODE_ARGS, cliEnv, freePort, ROOT } from './cli-process.js';

/**
 * The embedded database belongs to one process: a second opener of the same DATA_DIR is refused
 * with the holder named, `backup` while the server runs is written by the server, and a holder
 * killed with SIGKILL leaves nothing that keeps the next opener out. PGlite only: the PostgreSQL
 * pass of `npm test` leaves this file out (vitest.config.ts, EMBEDDED_DATABASE_ONLY).
 */
const SECRET = randomBytes(32).toString('hex');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'llamenos-lock-'));
  dirs.push(dir);
  return dir;
}

function cli(dataDir: string, port: number, args: string[]) {
  let output = '';
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, ...args], {
    cwd: ROOT,
    env: cliEnv(dataDir, port, SECRET),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const done = new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, done };
}

/** The exit code, or 'still running' after `ms`: a refused opener must stop at once. */
function exitWithin(run: ReturnType<typeof cli>, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([
    run.done,
    new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms)),
  ]);
}

async function waitHealthy(base: string, run: ReturnType<typeof cli>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (run.child.exitCode !== null) throw new Error(`server exited:\n${run.output()}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become healthy:\n${run.output()}`);
}

describe('the embedded database directory lock, in one process', () => {
  it('refuses a second opener, naming the holder, until the first closes', async () => {
    const dir = path.join(await tempDir(), 'db');
    const first = await openPglite(dir);
    try {
      const second = openPglite(dir);
      await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
      await expect(second).rejects.toThrow(
        new RegExp(`in use by another Llamenos process \\(pid ${process.pid} `),
      );
      // The refused opener left the holder's database alone.
      expect(await first.query('select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await first.close();
    }
    const third = await openPglite(dir);
    await third.close();
  });

  it('refuses a DATA_DIR too long for the lock socket with a message that says what to do', async () => {
    const dir = path.join(await tempDir(), 'x'.repeat(120), 'db');
    await expect(openPglite(dir)).rejects.toThrow(
      /longer than the 103 bytes the OS allows: use a shorter DATA_DIR/,
    );
  });

  it('lets exactly one of several simultaneous openers in', async () => {
    const dir = path.join(await tempDir(), 'db');
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => lockDataDir(dir)));
    const held = results.filter((r) => r.status === 'fulfilled');
    expect(held).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DataDirLockedError);
    await (held[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockDataDir>>>).value.release();
    const again = await lockDataDir(dir);
    await again.release();
  });
});

describe('the embedded database directory lock, across processes', () => {
  it('refuses a second server, backs up through the running one, and frees the directory on SIGKILL', {
    timeout: 240_000,
  }, async () => {
    const dataDir = await tempDir();
    const seed = await openPglite(path.join(dataDir, 'db'));
    await migrate(seed, ALL_MIGRATIONS);
    for (let i = 0; i < 10; i++) await appendAudit(seed, { action: 'test.seed', details: { i } }, new Date());
    await seed.close();

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = cli(dataDir, port, ['serve']);
    await waitHealthy(base, server);

    // A second server on the same directory: refused at once, holder named, first unharmed.
    const second = cli(dataDir, await freePort(), ['serve']);
    expect(await exitWithin(second, 30_000), second.output()).toBe(1);
    expect(second.output()).toMatch(
      new RegExp(`in use by another Llamenos process \\(pid ${server.child.pid} `),
    );
    expect(second.output()).toMatch(/command: cli\.ts serve/);
    expect((await fetch(`${base}/api/health`)).ok).toBe(true);

    // Writes keep coming while the backup is taken (each signed request stores its event id).
    const key = generateSecretKey();
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async () => {
      while (!stop) {
        const authorization = createAuthHeader({ url: `${base}/api/health`, method: 'GET' }, key);
        const eventId = JSON.parse(Buffer.from(authorization.slice(6), 'base64').toString('utf8')).id;
        try {
          if ((await fetch(`${base}/api/health`, { headers: { authorization } })).status === 200)
            acknowledged.push(eventId);
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = Array.from({ length: 4 }, writer);
    while (acknowledged.length < 50) await new Promise((r) => setTimeout(r, 10));
    const file = path.join(dataDir, 'backup.jsonl');
    const backup = cli(dataDir, port, ['backup', file]);
    expect(await backup.done, backup.output()).toBe(0);
    expect(backup.output()).toMatch(new RegExp(`written by pid ${server.child.pid}`));
    const countAtBackup = acknowledged.length;
    while (acknowledged.length < countAtBackup + 50) await new Promise((r) => setTimeout(r, 10));
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ end: true });

    // Restore while the server runs: refused, naming it.
    const restore = cli(dataDir, port, ['restore', file, '--force']);
    expect(await exitWithin(restore, 30_000), restore.output()).toBe(1);
    expect(restore.output()).toMatch(new RegExp(`pid ${server.child.pid} `));

    server.child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await server.done;

    // The killed holder's lock is gone with it: the next opener gets in, with every write.
    const after = await openPglite(path.join(dataDir, 'db'));
    try {
      const rows = await after.query<{ event_id: string }>(
        'select event_id from auth_replay where event_id = any($1)',
        [acknowledged],
      );
      expect(acknowledged.length - rows.length).toBe(0);
    } finally {
      await after.close();
    }
    const verify = cli(dataDir, port, ['audit', 'verify']);
    expect(await verify.done, verify.output()).toBe(0);
    expect(verify.output()).toMatch(/audit chain intact: 10 entries/);

    // The backup taken under load restores whole.
    const restored = await tempDir();
    const load = cli(restored, port, ['restore', file]);
    expect(await load.done, load.output()).toBe(0);
    expect(load.output()).toMatch(/audit chain intact: 10 entries/);
  });
});
