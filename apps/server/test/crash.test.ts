import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuthHeader, generateSecretKey } from '@llamenos/crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../src/audit/service.js';
import { migrate } from '../src/db/migrate.js';
import { openPglite } from '../src/db/pglite.js';
import { ALL_MIGRATIONS } from '../src/modules.js';
import { CLI_NODE_ARGS, cliEnv, freePort, ROOT } from './cli-process.js';

/**
 * Kills a real server process with SIGKILL in the middle of a stream of writes and checks
 * that every write it acknowledged is still there after a restart: the embedded database
 * must not answer before its data is in the host's files. It cannot show survival of a
 * power cut or kernel crash: PGlite's Node filesystem writes through to the host files on
 * every write, but its fsync is a no-op (see db/pglite.ts). PGlite only: the PostgreSQL pass of
 * `npm test` leaves this file out (vitest.config.ts, EMBEDDED_DATABASE_ONLY).
 */

const SECRET = randomBytes(32).toString('hex');

function startServer(dataDir: string, port: number): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'serve'], {
    cwd: ROOT,
    env: cliEnv(dataDir, port, SECRET),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  return { child, output: () => output };
}

async function waitHealthy(base: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become healthy:\n${output()}`);
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode ? resolve() : child.once('exit', () => resolve()),
  );

describe('crash safety of the embedded database', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write across a SIGKILL', { timeout: 120_000 }, async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'llamenos-crash-'));
    // Some audit history from before the crash, to verify afterwards.
    const seedDb = await openPglite(path.join(dataDir, 'db'));
    await migrate(seedDb, ALL_MIGRATIONS);
    for (let i = 0; i < 20; i++)
      await appendAudit(seedDb, { action: 'test.before-crash', details: { i } }, new Date());
    await seedDb.close();

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = startServer(dataDir, port);
    children.push(first.child);
    await waitHealthy(base, first.child, first.output);

    // Each signed request inserts its event id into the replay cache before it is answered. All
    // writers but one send PATCH, which no route takes: a mutating request's id must be in the
    // files once it is answered even when the request changed nothing (a 404 after the token was
    // accepted), so no commit of the id may be left for a later write to carry. (Mostly PATCH:
    // each GET's commit writes the log, which would hide a PATCH answered too early.)
    const key = generateSecretKey();
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (_: unknown, n: number) => {
      const method = n === 0 ? 'GET' : 'PATCH';
      while (!stop) {
        const authorization = createAuthHeader({ url: `${base}/api/health`, method }, key);
        const eventId = JSON.parse(Buffer.from(authorization.slice(6), 'base64').toString('utf8'))
          .id as string;
        try {
          const res = await fetch(`${base}/api/health`, { method, headers: { authorization } });
          if (res.status === (method === 'GET' ? 200 : 404)) acknowledged.push(eventId);
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await exited(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');

    // The server starts again on the same files, then stops cleanly.
    const second = startServer(dataDir, port);
    children.push(second.child);
    await waitHealthy(base, second.child, second.output);
    second.child.kill('SIGTERM');
    await exited(second.child);

    const db = await openPglite(path.join(dataDir, 'db'));
    try {
      const rows = await db.query<{ event_id: string }>(
        'select event_id from auth_replay where event_id = any($1)',
        [acknowledged],
      );
      const present = new Set(rows.map((r) => r.event_id));
      const lost = acknowledged.filter((id) => !present.has(id));
      expect({ acknowledged: acknowledged.length, lost: lost.length }).toEqual({
        acknowledged: acknowledged.length,
        lost: 0,
      });
    } finally {
      await db.close();
    }

    const verify = spawnSync(process.execPath, [...CLI_NODE_ARGS, 'audit', 'verify'], {
      cwd: ROOT,
      env: cliEnv(dataDir, port, SECRET),
      encoding: 'utf8',
    });
    expect(verify.stdout).toMatch(/audit chain intact: 20 entries/);
    expect(verify.status).toBe(0);
  });
});
