import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VersionInfo } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT } from './cli-process.js';

/**
 * The one-file server (docs/OPERATIONS.md, "One file"): `npm run release` builds it from these
 * sources (web client, server bundle, PGlite's files as assets); copied alone into an empty folder
 * with no node_modules, it starts with `npm start`'s defaults, passes its health check, serves
 * the app and starts its worker threads. The build takes 15–40 s, so it is made once for this
 * file, and only in the PGlite pass of `npm test`: the executable embeds PGlite and never reads
 * LLAMENOS_TEST_DATABASE_URL.
 */
const inPostgresPass = Boolean(process.env.LLAMENOS_TEST_DATABASE_URL);

describe.skipIf(inPostgresPass)('the single executable', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'llamenos-sea-test-'));
  const out = path.join(work, 'release');
  const home = path.join(work, 'empty');
  const privateTmp = path.join(work, 'tmp');
  let server: ChildProcess | null = null;
  let base = '';
  let output = '';

  beforeAll(async () => {
    const built = spawnSync(process.execPath, ['scripts/release.mjs', '--out', out, '--allow-dirty'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, LLAMENOS_RELEASE_KEY: '' },
    });
    expect(built.status, built.stderr).toBe(0);
    const executable = readdirSync(out).find((f) =>
      /^llamenos-.*-linux-|^llamenos-.*-(darwin|win32)-/.test(f),
    );
    expect(executable).toBeDefined();
    mkdirSync(home);
    mkdirSync(privateTmp);
    copyFileSync(path.join(out, executable!), path.join(home, 'llamenos'));
    spawnSync('chmod', ['+x', path.join(home, 'llamenos')]);

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Nothing of this checkout: no NODE_PATH, no node_modules above the folder, its own TMPDIR.
    server = spawn(path.join(home, 'llamenos'), ['serve'], {
      cwd: home,
      env: { PATH: '/usr/bin:/bin', PORT: String(port), TMPDIR: privateTmp, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (d) => {
      output += d;
    });
    server.stderr?.on('data', (d) => {
      output += d;
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (server.exitCode !== null) throw new Error(`the executable exited: ${output}`);
      // Only once it says it listens: until then a health answer on this port would be another
      // process's (the port was free when drawn; the executable takes seconds to start).
      try {
        if (output.includes('Llamenos is running at') && (await fetch(`${base}/api/health`)).ok) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no health answer within 60 s: ${output}`);
  }, 240_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('passes its health check from an empty folder, with the defaults of npm start', async () => {
    expect(await (await fetch(`${base}/api/health`)).json()).toEqual({ status: 'ok' });
    expect(output).toContain(`Llamenos is running at ${base} (database: pglite)`);
    expect(output).toContain('/bootstrap#'); // the first admin's link, as npm start prints it
    expect(readdirSync(home).sort()).toEqual(['data', 'llamenos']); // DATA_DIR ./data
  });

  it('serves the web client it carries, and says which release it is', async () => {
    const release = readdirSync(out)
      .find((f) => f.endsWith('.tar.gz'))!
      .replace(/\.tar\.gz$/, '');
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toBe(readFileSync(path.join(out, release, 'web', 'index.html'), 'utf8'));
    const version = VersionInfo.parse(await (await fetch(`${base}/api/version`)).json());
    // The commit the build recorded (HEAD may have moved since, in a shared checkout).
    const statement = JSON.parse(readFileSync(path.join(out, `${release}.statement.json`), 'utf8'));
    const { commit } = statement.predicate.buildDefinition.externalParameters.source;
    const dirty = statement.predicate.buildDefinition.internalParameters.uncommittedChanges;
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(version.commit).toBe(dirty ? `${commit}-dirty` : commit);
    const webFiles = readdirSync(path.join(out, release, 'web'), { recursive: true, withFileTypes: true });
    expect(version.webBundle.files).toBe(webFiles.filter((entry) => entry.isFile()).length);
  });

  it('starts its sealing and signature worker threads, alone and as the release tree', () => {
    // Both carry the threads' scripts inside the one file (sea/workers.ts); without them the
    // check reports no thread and exits 1 (the server would then do that work on its main thread).
    const expected = {
      seal: { threads: 1, engines: ['wasm'], opened: true },
      signatures: { thread: true, valid: true, forgedRefused: true },
    };
    const env = { PATH: '/usr/bin:/bin', TMPDIR: privateTmp };
    const alone = spawnSync(path.join(home, 'llamenos'), ['check-workers'], {
      cwd: home,
      env,
      encoding: 'utf8',
    });
    expect(alone.status, alone.stderr).toBe(0);
    expect(JSON.parse(alone.stdout)).toEqual(expected);

    const release = readdirSync(out)
      .find((f) => f.endsWith('.tar.gz'))!
      .replace(/\.tar\.gz$/, '');
    const treeHome = path.join(work, 'tree');
    mkdirSync(treeHome);
    copyFileSync(path.join(out, release, 'llamenos.cjs'), path.join(treeHome, 'llamenos.cjs'));
    const tree = spawnSync(process.execPath, ['llamenos.cjs', 'check-workers'], {
      cwd: treeHome,
      env,
      encoding: 'utf8',
    });
    expect(tree.status, tree.stderr).toBe(0);
    expect(JSON.parse(tree.stdout)).toEqual(expected);
  });

  it('stops on SIGTERM and leaves no unpacked files behind', async () => {
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
    server!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(readdirSync(privateTmp)).toEqual([]);
  });
});
