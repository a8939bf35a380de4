import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI_NODE_ARGS, ROOT } from './cli-process.js';

/**
 * A real `llamenos serve` child process on a PostgreSQL database (several of them make the
 * multi-process deployments of docs/OPERATIONS.md: bootstrap link, behind nginx).
 */
export interface ServeProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export async function startServeProcess(options: {
  databaseUrl: string;
  port: number;
  secret: string;
  publicUrl?: string;
  env?: Record<string, string>;
}): Promise<ServeProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'llamenos-serve-'));
  let output = '';
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LLAMENOS_ENV: 'test',
      DATA_DIR: dataDir,
      DATABASE_URL: options.databaseUrl,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      PUBLIC_URL: options.publicUrl ?? `http://127.0.0.1:${options.port}`,
      SERVER_SECRET: options.secret,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const listeners = new Set<() => void>();
  const append = (d: Buffer) => {
    output += d;
    for (const l of listeners) l();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    waitFor(pattern, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (!match) return;
          done();
          resolve(match);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${ms} ms; output:\n${output}`));
        }, ms);
        const onExit = () => {
          done();
          reject(new Error(`the server exited before printing ${pattern}; output:\n${output}`));
        };
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && !child.signalCode) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
