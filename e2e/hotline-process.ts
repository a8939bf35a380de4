import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/free-port.mjs';

/**
 * The built server as a child process for the browser tests, with its own PGlite database. No
 * Playwright imports here: the global set-up (e2e/global-setup.ts) uses it too.
 */

/** A real Llamenos server process on a free loopback port with a fresh PGlite database. */
export interface Hotline {
  url: string;
  bootstrapLink: string;
  output: () => string;
}

export type RunningHotline = Hotline & {
  /** Stops the server (SIGTERM, its graceful shutdown) and removes its data directory. */
  stop: () => Promise<void>;
  /** Back to the normal CPU priority (a server started in the background runs at a lower one). */
  foreground: () => void;
};

/** The CPU priority (nice) of a server started in the background while a test runs. */
const BACKGROUND_NICE = 10;

/** Sets a process's CPU priority where allowed (raising it back needs privileges some runners lack). */
function renice(pid: number | undefined, nice: number): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, nice);
  } catch {
    // Not permitted: the process keeps its priority.
  }
}

/** Where the global set-up left the never-used template database for every worker (JSON: dir, secret). */
export const TEMPLATE_ENV = 'LLAMENOS_E2E_TEMPLATE';

export interface PristineDatabase {
  dir: string;
  secret: string;
}

/**
 * PGlite's initdb costs ~10 s of CPU per database. One database is therefore created the ordinary
 * way (a first server start: initdb, migrations) and stopped, and every hotline gets its own copy
 * of this never-used database, served with the same SERVER_SECRET. The global set-up makes it once
 * per run (each spec that changes the browser's launch options gets a worker process of its own,
 * which would otherwise make its own); a worker without it (set-up skipped) makes one itself.
 * Set LLAMENOS_E2E_FRESH_INIT=1 to initialise every database from nothing.
 */
export async function makePristineDatabase(): Promise<PristineDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'llamenos-e2e-template-'));
  const secret = randomBytes(32).toString('hex');
  const server = await launch(dir, secret, '127.0.0.1', {});
  await server.stop();
  return { dir, secret };
}

let pristine: Promise<PristineDatabase> | null = null;

function pristineDatabase(): Promise<PristineDatabase> {
  const shared = process.env[TEMPLATE_ENV];
  if (shared) return Promise.resolve(JSON.parse(shared) as PristineDatabase);
  pristine ??= makePristineDatabase().then((made) => {
    process.once('exit', () => rmSync(made.dir, { recursive: true, force: true }));
    return made;
  });
  return pristine;
}

export async function startHotline(
  extraEnv: Record<string, string> = {},
  options: { hostname?: string; background?: boolean } = {},
): Promise<RunningHotline> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'llamenos-e2e-'));
  let secret = extraEnv.SERVER_SECRET ?? randomBytes(32).toString('hex');
  const copy = !extraEnv.SERVER_SECRET && !extraEnv.DATABASE_URL && !process.env.LLAMENOS_E2E_FRESH_INIT;
  if (copy) {
    const template = await pristineDatabase();
    cpSync(template.dir, dataDir, { recursive: true });
    secret = template.secret;
  }
  const hotline = await launch(
    dataDir,
    secret,
    options.hostname ?? '127.0.0.1',
    extraEnv,
    options.background ? BACKGROUND_NICE : 0,
  );
  return {
    ...hotline,
    stop: async () => {
      await hotline.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts the built server on a free port with this data directory; stop() leaves the directory. */
async function launch(
  dataDir: string,
  secret: string,
  hostname: string,
  extraEnv: Record<string, string>,
  nice = 0,
): Promise<RunningHotline> {
  const port = await freePort();
  // WebAuthn refuses IP addresses as relying party ids: passkey tests use "localhost".
  const url = `http://${hostname}:${port}`;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['apps/server/dist/cli.js', 'serve'], {
    env: {
      ...process.env,
      LLAMENOS_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      DATA_DIR: dataDir,
      SERVER_SECRET: secret,
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Started while a test runs: its start-up (PGlite's WASM, the database) must not slow the test.
  if (nice) renice(child.pid, nice);
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  // Generous: on a loaded machine a start at a lower priority (or the global set-up's initdb) can
  // take over a minute, and a working start never waits for it.
  const deadline = Date.now() + 180_000;
  let bootstrapLink = '';
  while (!bootstrapLink) {
    if (Date.now() > deadline || child.exitCode !== null) {
      if (child.exitCode === null) child.kill('SIGKILL');
      throw new Error(`server did not start:\n${output}`);
    }
    bootstrapLink = output.match(/(http:\/\/\S+\/bootstrap#\S+)/)?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    bootstrapLink,
    output: () => output,
    foreground: () => {
      if (nice) renice(child.pid, 0);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
