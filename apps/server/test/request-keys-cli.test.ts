/**
 * `llamenos request-keys reset`, run as the real CLI on an embedded database: it writes a new
 * request-key seed each time (so a process started after it refuses every key issued before,
 * auth/request-keys.test.ts) and says so; a bare `request-keys` is a usage error.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../src/db/pglite.js';
import { CLI_NODE_ARGS, cliEnv, freePort, ROOT } from './cli-process.js';

const SECRET = 'ab'.repeat(32);
let dataDir = '';
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, ...args], {
    cwd: ROOT,
    env: cliEnv(dataDir, await freePort(), SECRET),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

async function seed(): Promise<string> {
  const db = await openPglite(path.join(dataDir, 'db'));
  try {
    const rows = await db.query<{ seed: string }>('select seed from auth_request_key_seed');
    expect(rows).toHaveLength(1);
    return rows[0]!.seed;
  } finally {
    await db.close();
  }
}

describe('llamenos request-keys reset', () => {
  it('writes a new seed each time, and a bare `request-keys` is a usage error', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'llamenos-request-keys-'));
    const first = await cli(['request-keys', 'reset']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toMatch(/request keys reset: every key issued so far is refused/);
    const before = await seed();
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect((await cli(['request-keys', 'reset'])).code).toBe(0);
    expect(await seed()).not.toBe(before);
    const bare = await cli(['request-keys']);
    expect(bare.code).toBe(2);
    expect(bare.output).toMatch(/request-keys reset/);
  }, 120_000);
});
