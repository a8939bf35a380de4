#!/usr/bin/env node
// `npm run release [-- --out DIR] [--no-executable] [--allow-dirty]`: a reproducible release of
// the commit checked out (docs/OPERATIONS.md, "Releases and how to verify them"):
//   DIR/llamenos-<version>/            the release tree: llamenos.cjs (the server and its worker
//                                      threads' scripts in one file),
//                                      PGlite's pglite.wasm, initdb.wasm and pglite.data, web/
//   DIR/llamenos-<version>.tar.gz      that tree: sorted, owner-less, every time SOURCE_DATE_EPOCH
//   DIR/llamenos-<version>-<os>-<cpu>  the single executable (Node's single-executable application)
//   DIR/CHECKSUMS.txt                  SHA-256 of both artifacts and of every file of the tree
//   DIR/llamenos-<version>.intoto.jsonl the provenance (in-toto Statement, SLSA provenance v1) in
//                                      a DSSE envelope signed with the release key named by
//                                      LLAMENOS_RELEASE_KEY (a PEM file); unsigned without it.
// SOURCE_DATE_EPOCH is the last commit's time unless set. Same commit, same lockfile, same Node
// version: same bytes (scripts/verify-build.mjs rebuilds and compares).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checksumsText, packTarGz, provenanceStatement, sha256, signEnvelope } from './release-lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The sentinel Node looks for to know it carries an application (Node's SEA documentation). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const PGLITE_FILES = ['pglite.wasm', 'initdb.wasm', 'pglite.data'];

function fail(message) {
  console.error(`release: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = { out: join(root, 'dist', 'release'), executable: true, allowDirty: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out' && argv[i + 1]) options.out = resolve(argv[++i]);
    else if (arg === '--no-executable') options.executable = false;
    else if (arg === '--allow-dirty') options.allowDirty = true;
    else
      fail(
        `unknown argument ${arg}; usage: npm run release -- [--out DIR] [--no-executable] [--allow-dirty]`,
      );
  }
  return options;
}

const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) fail(`${[cmd, ...args].join(' ')} exited with ${result.status ?? result.signal}`);
}

/** Every file under `dir`: relative path with "/" → bytes. */
function readTree(dir) {
  const files = new Map();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files.set(relative(dir, full).split(sep).join('/'), readFileSync(full));
  }
  return files;
}

/** The web client, built by Vite into `outDir` (content-hashed file names). */
function buildWeb(outDir, env) {
  run(
    join(root, 'node_modules', '.bin', 'vite'),
    ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: join(root, 'apps', 'web'),
      env,
    },
  );
}

/**
 * Optional native speed-ups that dependencies try to require and do without (ws, debug): bundled
 * as modules that throw, as a missing module would, instead of left to a runtime require() that a
 * single executable cannot satisfy (and warns about).
 */
const OPTIONAL_ABSENT = /^(bufferutil|utf-8-validate|supports-color)$/;
const optionalModulesAbsent = {
  name: 'optional-modules-absent',
  setup(build) {
    build.onResolve({ filter: OPTIONAL_ABSENT }, (args) => ({ path: args.path, namespace: 'absent' }));
    build.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => ({
      contents: `throw new Error('${args.path} is not part of the release bundle');`,
    }));
  },
};

/**
 * The worker threads the server starts under load, each bundled on its own (apps/server/src/sea/
 * workers.ts): name → the script's text, written into the server's bundle. ES modules, not
 * CommonJS like the server's bundle: the signature thread awaits its WASM engine at the top level.
 * nostr-wasm's WebAssembly is base64 inside its own module, so it comes along in the text.
 */
const WORKER_ENTRIES = {
  seal: 'apps/server/src/conversations/seal-worker.ts',
  signature: 'apps/server/src/auth/signature-worker-thread.ts',
};

async function bundleWorkers() {
  const { build } = await import('esbuild');
  const workers = {};
  for (const [name, entry] of Object.entries(WORKER_ENTRIES)) {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [entry],
      write: false,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      conditions: ['llamenos-source'],
      charset: 'utf8',
      legalComments: 'eof',
      logLevel: 'warning',
      plugins: [optionalModulesAbsent],
    });
    workers[name] = result.outputFiles[0].text;
  }
  return workers;
}

/** The server and everything it imports in one CommonJS file (what a single executable runs). */
async function bundleServer(outfile, release) {
  const { build } = await import('esbuild');
  const workers = await bundleWorkers();
  await build({
    absWorkingDir: root, // the paths esbuild writes into its comments are relative to it
    entryPoints: ['apps/server/src/sea/entry.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    conditions: ['llamenos-source'],
    charset: 'utf8',
    legalComments: 'eof',
    logLevel: 'warning',
    define: {
      'import.meta.url': 'globalThis.__llamenosBundleUrl',
      __LLAMENOS_RELEASE__: JSON.stringify(release),
      __LLAMENOS_WORKERS__: JSON.stringify(workers),
    },
    plugins: [optionalModulesAbsent],
    // apps/server/src/sea/runtime.ts explains what this URL is for.
    banner: { js: 'globalThis.__llamenosBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
}

/** Node's single-executable application: this Node binary with the bundle and its files injected. */
function buildExecutable(tree, output) {
  const postject = join(root, 'node_modules', '.bin', 'postject');
  if (!existsSync(postject)) fail('postject is not installed (npm ci)');
  const work = join(tmpdir(), `llamenos-sea-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  try {
    const names = [...readTree(tree).keys()].filter((name) => name !== 'llamenos.cjs').sort();
    writeFileSync(join(work, 'manifest.json'), JSON.stringify(names));
    const assets = { 'manifest.json': join(work, 'manifest.json') };
    for (const name of names) assets[name] = join(tree, name);
    // The blob records the main script's path as written here: a relative one, the same on every machine.
    copyFileSync(join(tree, 'llamenos.cjs'), join(work, 'llamenos.cjs'));
    const config = {
      main: 'llamenos.cjs',
      output: 'sea.blob',
      disableExperimentalSEAWarning: true,
      // A code cache and a snapshot depend on the machine that makes them: left out for identical bytes.
      useSnapshot: false,
      useCodeCache: false,
      assets,
    };
    writeFileSync(join(work, 'sea-config.json'), JSON.stringify(config));
    run(process.execPath, ['--experimental-sea-config', 'sea-config.json'], { cwd: work, stdio: 'ignore' });
    copyFileSync(process.execPath, output);
    run(postject, [output, 'NODE_SEA_BLOB', join(work, 'sea.blob'), '--sentinel-fuse', SEA_FUSE], {
      stdio: 'ignore',
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function release(options) {
  const started = Date.now();
  const commit = git('rev-parse', 'HEAD');
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  if (dirty && !options.allowDirty)
    fail('the working tree has uncommitted changes: a release is built from a commit (or --allow-dirty)');
  const sourceDateEpoch = Number(process.env.SOURCE_DATE_EPOCH ?? git('log', '-1', '--format=%ct'));
  if (!Number.isSafeInteger(sourceDateEpoch) || sourceDateEpoch < 0)
    fail('SOURCE_DATE_EPOCH is not a number of seconds');
  const { version } = JSON.parse(readFileSync(join(root, 'apps', 'server', 'package.json'), 'utf8'));
  const name = `llamenos-${version}`;
  const env = { ...process.env, SOURCE_DATE_EPOCH: String(sourceDateEpoch), TZ: 'UTC', LC_ALL: 'C' };

  rmSync(options.out, { recursive: true, force: true });
  const tree = join(options.out, name);
  mkdirSync(tree, { recursive: true });
  console.log(
    `release ${name} of ${commit}${dirty ? ' (with uncommitted changes)' : ''}, SOURCE_DATE_EPOCH=${sourceDateEpoch}`,
  );

  buildWeb(join(tree, 'web'), env);
  // /api/version must not present a build with uncommitted changes as the commit itself.
  await bundleServer(join(tree, 'llamenos.cjs'), { version, commit: dirty ? `${commit}-dirty` : commit });
  const pglite = dirname(
    createRequire(join(root, 'apps', 'server', 'package.json')).resolve('@electric-sql/pglite'),
  );
  for (const file of PGLITE_FILES) copyFileSync(join(pglite, file), join(tree, file));

  const treeFiles = readTree(tree);
  const artifacts = new Map();
  const archive = packTarGz(
    [...treeFiles].map(([path, bytes]) => [`${name}/${path}`, bytes]),
    sourceDateEpoch,
  );
  artifacts.set(`${name}.tar.gz`, archive);
  writeFileSync(join(options.out, `${name}.tar.gz`), archive);
  if (options.executable) {
    const executable = `${name}-${process.platform}-${process.arch}`;
    buildExecutable(tree, join(options.out, executable));
    artifacts.set(executable, readFileSync(join(options.out, executable)));
  }

  const checksums = checksumsText(
    new Map([...artifacts, ...[...treeFiles].map(([path, bytes]) => [`${name}/${path}`, bytes])]),
  );
  writeFileSync(join(options.out, 'CHECKSUMS.txt'), checksums);

  const subjects = new Map([...artifacts].map(([file, bytes]) => [file, sha256(bytes)]));
  subjects.set('CHECKSUMS.txt', sha256(checksums));
  const statement = provenanceStatement({
    dirty,
    subjects,
    commit,
    repository: process.env.LLAMENOS_SOURCE_URI ?? 'https://llamenos.invalid/llamenos.git',
    lockfileSha256: sha256(readFileSync(join(root, 'package-lock.json'))),
    sourceDateEpoch,
    builder: {
      id: process.env.LLAMENOS_BUILDER_ID ?? 'urn:llamenos:builder:local',
      node: process.version,
      npm: process.env.npm_config_user_agent?.match(/npm\/(\S+)/)?.[1] ?? 'unknown',
      platform: `${process.platform}-${process.arch}`,
    },
  });
  const keyFile = process.env.LLAMENOS_RELEASE_KEY;
  if (keyFile) {
    const envelope = signEnvelope(statement, readFileSync(keyFile));
    writeFileSync(join(options.out, `${name}.intoto.jsonl`), `${JSON.stringify(envelope)}\n`);
  } else {
    writeFileSync(join(options.out, `${name}.statement.json`), `${JSON.stringify(statement, null, 2)}\n`);
    console.warn('release: LLAMENOS_RELEASE_KEY is not set: the provenance is written unsigned');
  }
  for (const [file, bytes] of artifacts) console.log(`  ${sha256(bytes)}  ${file} (${bytes.length} bytes)`);
  console.log(`  ${sha256(checksums)}  CHECKSUMS.txt (${treeFiles.size} files in the tree)`);
  console.log(`release written to ${options.out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { name, commit, sourceDateEpoch, out: options.out };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await release(parseArgs(process.argv.slice(2)));
}
