#!/usr/bin/env node
// The one test command (`npm test`; README, .ci/run):
//   1. lint (biome)
//   2. type-check the build (tsc -b), the server's tests and test helpers, and the code that is
//      only transpiled when it runs: the web app with its tests, the browser tests, the packages'
//      tests and the vector generator, the benchmarks (their test configs, one incremental `tsc -b`)
//   3. every test suite on PGlite
//   4. the server's tests again on a real PostgreSQL: a private throwaway cluster
//      (scripts/postgres.mjs), or the server named by LLAMENOS_TEST_DATABASE_URL if set.
//      Without PostgreSQL binaries this pass is skipped with a warning, except under CI=true,
//      where it fails: CI must test both databases.
//   5. build the web app, then the browser tests (Playwright driving Debian's Chromium against
//      the real server); without /usr/bin/chromium skipped with a warning, except under CI=true.
// Every step runs even if an earlier one failed; the exit code and the last line tell the outcome.
// With LLAMENOS_TEST_OVERLAP=1, step 4 runs while the browser tests run (below: overlapping).
// Off by default: on a busy 2-core machine the browser tests passed alongside it, but two of the
// server's timing-bound tests (crash safety across SIGKILL, the relay's flood cut-off) failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPostgresBin, startPostgres } from './postgres.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const inCi = /^(1|true|yes)$/i.test(process.env.CI ?? '');
/** Whether the PostgreSQL pass runs alongside the browser tests (LLAMENOS_TEST_OVERLAP=1). */
const overlap = /^(1|true|yes)$/i.test(process.env.LLAMENOS_TEST_OVERLAP ?? '');
/** The CPU priority (nice) of the PostgreSQL pass while the browser tests run. */
const OVERLAP_NICE = 10;
const givenDatabaseUrl = process.env.LLAMENOS_TEST_DATABASE_URL;

/** A tool from node_modules/.bin, or through npx when it is not installed there. */
function tool(name, args) {
  const local = join(root, 'node_modules', '.bin', name);
  return existsSync(local) ? [local, args] : ['npx', [name, ...args]];
}

const children = new Set();
let cluster = null;

/**
 * Runs a command to its end; resolves to its exit code. `options.output` collects its output
 * instead of showing it (a step that runs alongside another prints it when done);
 * `options.nice` lowers its CPU priority.
 */
function run(cmd, args, env, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: options.output ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env,
    });
    children.add(child);
    if (options.nice) lowerPriority(child.pid, options.nice);
    if (options.output) {
      child.stdout.on('data', (d) => options.output.push(d));
      child.stderr.on('data', (d) => options.output.push(d));
    }
    child.on('error', (error) => {
      console.error(`could not start ${cmd}: ${error.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** Lowers a process's CPU priority where allowed (its children started later inherit it). */
function lowerPriority(pid, nice) {
  if (pid === undefined) return;
  try {
    setPriority(pid, nice);
  } catch {
    // Not permitted: it keeps its priority.
  }
}

for (const [signal, number] of [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
]) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    cluster?.stop();
    process.exit(128 + number);
  });
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
const results = [];
const started = Date.now();

async function step(name, body) {
  console.log(`\n=== ${name}`);
  const t0 = Date.now();
  // In the summary in the order the steps started (two may run at once).
  const result = { name, outcome: 'failed', time: 0 };
  results.push(result);
  let outcome;
  try {
    outcome = await body();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    outcome = 'failed';
  }
  if (typeof outcome === 'number') outcome = outcome === 0 ? 'passed' : 'failed';
  const time = Date.now() - t0;
  Object.assign(result, { outcome, time });
  console.log(`=== ${name}: ${outcome} in ${seconds(time)}`);
}

const command = (cmd, args, env = process.env, options = {}) => {
  console.log(`$ ${[cmd, ...args].join(' ').replace(`${root}/node_modules/.bin/`, '')}`);
  return run(cmd, args, env, options);
};

// Pass 1 is PGlite whatever the caller's environment says.
const pgliteEnv = { ...process.env };
delete pgliteEnv.LLAMENOS_TEST_DATABASE_URL;

await step('lint', () => command(...tool('biome', ['check', '.'])));
await step('typecheck (build)', () => command(...tool('tsc', ['-b'])));
await step('typecheck (server tests)', () =>
  command(...tool('tsc', ['-p', 'apps/server/tsconfig.test.json', '--noEmit'])),
);
// In one `tsc -b`: the packages are read through their declarations (built just above) instead of
// being checked again in each program, and an unchanged config is not checked again at all.
await step('typecheck (web app, browser tests, package tests, benchmarks)', () =>
  command(
    ...tool('tsc', [
      '-b',
      'apps/web/tsconfig.test.json',
      'e2e/tsconfig.json',
      'packages/crypto/tsconfig.test.json',
      'packages/protocol/tsconfig.test.json',
      'bench/tsconfig.json',
    ]),
  ),
);
// Each vitest pass also writes a JSON report, from which the summary names the failed tests: in CI
// only the last lines of the output may be shown, and a pass's own list of failures is long gone
// by then.
const reportDir = mkdtempSync(join(tmpdir(), 'llamenos-test-'));
const failedTests = [];
const vitestArgs = (name, args) => [
  'run',
  ...args,
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${join(reportDir, `${name}.json`)}`,
];
/** Adds the failed tests of a vitest JSON report to the summary's list. */
function collectFailures(name, pass) {
  let report;
  try {
    report = JSON.parse(readFileSync(join(reportDir, `${name}.json`), 'utf8'));
  } catch {
    return; // No report: the pass did not get as far as running tests; its output says why.
  }
  const firstLine = (text) =>
    String(text ?? '')
      .split('\n')[0]
      .slice(0, 200);
  for (const file of report.testResults ?? []) {
    const where = file.name.replace(`${root}/`, '');
    const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const a of failed)
      failedTests.push(`${pass}: ${where} > ${a.fullName}\n      ${firstLine(a.failureMessages?.[0])}`);
    if (file.status === 'failed' && failed.length === 0)
      failedTests.push(`${pass}: ${where}\n      ${firstLine(file.message)}`);
  }
}

await step('tests, pass 1 of 2: everything on PGlite', async () => {
  const code = await command(...tool('vitest', vitestArgs('pglite', [])), pgliteEnv);
  collectFailures('pglite', 'PGlite');
  return code;
});

/**
 * The server's tests on PostgreSQL. `options` as for run(): alongside the browser tests the
 * output is collected and the cluster and the tests run at a lower CPU priority.
 */
async function postgresPass(options = {}) {
  let url = givenDatabaseUrl;
  if (url) {
    console.log(
      `using LLAMENOS_TEST_DATABASE_URL from the environment (${url.replace(/\/\/[^@/]*@/, '//…@')})`,
    );
  } else {
    const bin = findPostgresBin();
    if (!bin) {
      if (inCi) {
        console.error('PostgreSQL binaries (pg_ctl, initdb) not found under /usr/lib/postgresql/*/bin;');
        console.error('CI must run the server tests on PostgreSQL too (.ci/run installs it).');
        return 'failed';
      }
      console.warn('WARNING: PostgreSQL binaries not found under /usr/lib/postgresql/*/bin:');
      console.warn('skipping the PostgreSQL pass (install "postgresql" to run it; CI always does).');
      return 'skipped';
    }
    const t0 = Date.now();
    cluster = await startPostgres({ bin });
    url = cluster.url;
    console.log(`private PostgreSQL cluster from ${bin} at ${url} (started in ${seconds(Date.now() - t0)})`);
    // The server processes are forked by the postmaster and inherit its priority.
    if (options.nice) lowerPriority(postmasterPid(cluster.dir), options.nice);
  }
  try {
    const code = await command(
      ...tool('vitest', vitestArgs('postgres', ['apps/server'])),
      { ...process.env, LLAMENOS_TEST_DATABASE_URL: url },
      options,
    );
    collectFailures('postgres', 'PostgreSQL');
    return code;
  } finally {
    cluster?.stop();
    cluster = null;
  }
}

/** The postmaster's process id (the first line of its pid file), or undefined. */
function postmasterPid(dir) {
  try {
    return Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

// The browser tests drive Debian's Chromium (never a downloaded browser) against the built
// server and web app. Without Chromium they are skipped with a warning, except under CI=true.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let webBuilt = false;
async function buildWeb() {
  const code =
    (await command(...tool('tsc', ['-b']))) ||
    (await command('npm', ['run', 'build', '--workspace', 'apps/web']));
  webBuilt = code === 0;
  return code;
}
async function browserTests() {
  if (!existsSync(chromiumPath)) {
    if (inCi) {
      console.error(
        `Chromium not found at ${chromiumPath}; CI must run the browser tests (.ci/run installs it).`,
      );
      return 'failed';
    }
    console.warn(`WARNING: Chromium not found at ${chromiumPath}: skipping the browser tests`);
    console.warn('(apt-get install chromium, or set CHROMIUM_PATH; CI always runs them).');
    return 'skipped';
  }
  if (!webBuilt) {
    console.error('not run: the build failed, so the browser tests would test stale files.');
    return 'failed';
  }
  return command(...tool('playwright', ['test']));
}

const PG_PASS = 'tests, pass 2 of 2: apps/server on PostgreSQL';
const BROWSER = 'browser tests (Playwright, Chromium)';
if (overlap) {
  // The browser tests spend most of their time waiting on the browser and the servers, so the
  // PostgreSQL pass runs meanwhile, at a lower CPU priority than the browser tests; its output
  // is shown in one piece when it ends.
  await step('build web', buildWeb);
  const output = [];
  const pgPass = step(`${PG_PASS} (alongside the browser tests; output when done)`, async () => {
    try {
      return await postgresPass({ output, nice: OVERLAP_NICE });
    } finally {
      console.log(`\n=== output of ${PG_PASS}`);
      process.stdout.write(Buffer.concat(output.map((d) => Buffer.from(d))));
    }
  });
  await step(BROWSER, browserTests);
  await pgPass;
} else {
  await step(PG_PASS, () => postgresPass());
  await step('build web', buildWeb);
  await step(BROWSER, browserTests);
}

const failed = results.filter((r) => r.outcome === 'failed');
console.log('\n=== summary');
for (const r of results) console.log(`  ${r.outcome.padEnd(7)} ${seconds(r.time).padStart(7)}  ${r.name}`);
rmSync(reportDir, { recursive: true, force: true });
if (failedTests.length) {
  console.log(`\n=== failed tests (${failedTests.length})`);
  for (const line of failedTests.slice(0, 40)) console.log(`  ${line}`);
  if (failedTests.length > 40) console.log(`  … and ${failedTests.length - 40} more`);
}
const total = seconds(Date.now() - started);
if (failed.length) {
  console.log(`=== npm test FAILED in ${total}: ${failed.map((r) => r.name).join('; ')}`);
  process.exit(1);
}
const skipped = results.filter((r) => r.outcome === 'skipped');
console.log(
  `=== npm test passed in ${total}${skipped.length ? ` (skipped: ${skipped.map((r) => r.name).join('; ')})` : ''}`,
);
