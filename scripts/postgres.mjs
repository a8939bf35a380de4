// A private, throwaway PostgreSQL cluster for the test run (scripts/test.mjs).
// initdb into a fresh temporary directory, listen on 127.0.0.1 only on a free port, unix socket
// inside that directory, durability switched off (tests only), trust authentication; stopped
// and deleted again by stop(), at process exit, or on SIGINT/SIGTERM/SIGHUP.
import { spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from './free-port.mjs';

const PG_ROOT = '/usr/lib/postgresql';

/** The bin directory of the newest PostgreSQL under /usr/lib/postgresql that has pg_ctl and initdb, or null. */
export function findPostgresBin() {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(PG_ROOT, version, 'bin');
    if (existsSync(join(bin, 'pg_ctl')) && existsSync(join(bin, 'initdb'))) return bin;
  }
  return null;
}

/** uid and gid of the `postgres` system user (PostgreSQL refuses to run as root). */
function postgresUser() {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0)
    throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Starts the cluster. Resolves to { url, dir, stop, restart }: `url` reaches the `postgres` database as the
 * `postgres` superuser; `stop()` is synchronous, idempotent, and removes the directory.
 */
export async function startPostgres({ bin = findPostgresBin(), quiet = true } = {}) {
  if (!bin) throw new Error(`no PostgreSQL binaries (pg_ctl, initdb) under ${PG_ROOT}/*/bin`);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? postgresUser() : null;

  // As root the postgres user must be able to reach the directory: root's TMPDIR may sit under a
  // private home, so use /tmp itself then.
  const dir = mkdtempSync(join(owner ? '/tmp' : tmpdir(), 'llamenos-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  if (owner) chownSync(dir, owner.uid, owner.gid);

  /** Runs a PostgreSQL tool, as the postgres user when we are root. */
  const run = (tool, args) => {
    const [cmd, argv] = owner
      ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    // cwd: the temp dir, which the postgres user can read (the repository may not be).
    return spawnSync(cmd, argv, { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  };

  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stop);
    for (const signal of SIGNALS) process.off(signal, onSignal);
    if (existsSync(join(data, 'postmaster.pid')))
      run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal) => {
    stop();
    process.kill(process.pid, signal);
  };
  process.on('exit', stop);
  for (const signal of SIGNALS) process.once(signal, onSignal);

  const fail = (what, result) => {
    const output = [result.stdout, result.stderr, existsSync(log) ? readFileSync(log, 'utf8') : '']
      .filter(Boolean)
      .join('\n');
    stop();
    throw new Error(`PostgreSQL ${what} failed (exit ${result.status ?? result.signal}):\n${output}`);
  };

  const init = run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  if (init.status !== 0) fail('initdb', init);

  // Retry on the rare race where another process takes the port between probing and listening.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const settings = {
      listen_addresses: "'127.0.0.1'",
      port,
      unix_socket_directories: `'${dir}'`,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: 300,
      shared_buffers: "'128MB'",
      log_min_messages: 'warning',
      logging_collector: 'off',
    };
    writeFileSync(
      join(data, 'postgresql.auto.conf'),
      `${Object.entries(settings)
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n')}\n`,
    );
    const started = run('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '60', '-s']);
    if (started.status === 0) {
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      if (!quiet) console.log(`PostgreSQL started: ${url} (data in ${dir})`);
      /**
       * Stops the server the way a crash does (`-m immediate`: no shutdown checkpoint, recovery
       * from the WAL at the next start) and starts it again on the same port; resolves once it
       * accepts connections. For fault benches and tests: clients see their connections drop.
       * `downMs`: how long it stays down (connection attempts meanwhile are refused).
       */
      const restart = async ({ downMs = 0 } = {}) => {
        const down = run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
        if (down.status !== 0) fail('stop', down);
        if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
        const up = run('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '60', '-s']);
        if (up.status !== 0) fail('restart', up);
      };
      return { url, dir, stop, restart };
    }
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    if (attempt >= 3 || !/could not bind|Address already in use/i.test(text)) fail('start', started);
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

// `node scripts/postgres.mjs`: start a cluster, print its URL, keep it until Ctrl-C (for running tests by hand).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url } = await startPostgres();
  console.log(`LLAMENOS_TEST_DATABASE_URL=${url}`);
  console.log('Ctrl-C stops and deletes it.');
  setInterval(() => {}, 1 << 30);
}
