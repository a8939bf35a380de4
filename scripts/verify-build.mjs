#!/usr/bin/env node
// `node scripts/verify-build.mjs <release folder> [--key FILE] [--repo GIT-URL-OR-PATH] [--offline] [--keep]`
// Anyone can check a published release (docs/OPERATIONS.md, "Releases and how to verify them"):
//   1. the provenance (<name>.intoto.jsonl) is signed by the release key (release/release-key.pub
//      unless --key), and it vouches for CHECKSUMS.txt's SHA-256;
//   2. every file of the folder that CHECKSUMS.txt lists has that SHA-256;
//   3. the commit the provenance names, cloned afresh (from --repo, default this checkout) with its
//      lockfile's dependencies (`npm ci`, from npm's cache first; --offline: only from it), rebuilt with the
//      same SOURCE_DATE_EPOCH, gives the same CHECKSUMS.txt, line for line.
// Exit 0 when all three hold, 1 with every difference otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareChecksums, parseChecksums, sha256, verifyEnvelope } from './release-lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RELEASE_PUBLIC_KEY = join(root, 'release', 'release-key.pub');

/**
 * Steps 1 and 2 for the release in `dir`: returns the Statement and the parsed checksums, and
 * the problems found (empty when the folder is what the release key signed).
 */
export function checkPublishedRelease(dir, publicKey) {
  const problems = [];
  const envelopes = readdirSync(dir).filter((file) => file.endsWith('.intoto.jsonl'));
  if (envelopes.length !== 1)
    throw new Error(`${dir}: expected one *.intoto.jsonl provenance, found ${envelopes.length}`);
  const statement = verifyEnvelope(JSON.parse(readFileSync(join(dir, envelopes[0]), 'utf8')), publicKey);
  const checksumsText = readFileSync(join(dir, 'CHECKSUMS.txt'), 'utf8');
  if (statement.predicate.buildDefinition.internalParameters?.uncommittedChanges)
    problems.push('the release was built with uncommitted changes: it is not the commit it names');
  // CHECKSUMS.txt is authentic when the signed Statement names its digest (checked below).
  if (!statement.subject.some((s) => s.name === 'CHECKSUMS.txt'))
    problems.push('CHECKSUMS.txt: the signed provenance does not name it');
  for (const subject of statement.subject) {
    const file = join(dir, subject.name);
    if (existsSync(file) && sha256(readFileSync(file)) !== subject.digest.sha256)
      problems.push(`${subject.name}: differs from the signed provenance`);
  }
  const checksums = parseChecksums(checksumsText);
  let present = 0;
  for (const [path, digest] of checksums) {
    const file = join(dir, path);
    if (!existsSync(file)) continue;
    present++;
    if (sha256(readFileSync(file)) !== digest) problems.push(`${path}: differs from CHECKSUMS.txt`);
  }
  if (present === 0) problems.push(`${dir}: none of the files CHECKSUMS.txt lists is here`);
  return { statement, checksums, problems };
}

function run(cmd, args, options) {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0)
    throw new Error(`${[cmd, ...args].join(' ')} exited with ${result.status ?? result.signal}`);
}

/** Step 3: clones `commit` from `repo` into a fresh folder and runs the release build there. */
export function rebuild({ repo, commit, sourceDateEpoch, executable, offline, keep }) {
  const work = mkdtempSync(join(tmpdir(), 'llamenos-verify-'));
  try {
    const source = join(work, 'source');
    run('git', ['clone', '--quiet', '--no-checkout', repo, source]);
    run('git', ['-C', source, 'checkout', '--quiet', '--detach', commit]);
    run('npm', ['ci', '--no-audit', '--no-fund', offline ? '--offline' : '--prefer-offline'], {
      cwd: source,
    });
    const out = join(work, 'out');
    run(process.execPath, ['scripts/release.mjs', '--out', out, ...(executable ? [] : ['--no-executable'])], {
      cwd: source,
      env: { ...process.env, SOURCE_DATE_EPOCH: String(sourceDateEpoch), LLAMENOS_RELEASE_KEY: '' },
    });
    return parseChecksums(readFileSync(join(out, 'CHECKSUMS.txt'), 'utf8'));
  } finally {
    if (keep) console.log(`kept the rebuild in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

function parseArgs(argv) {
  const options = { dir: '', key: RELEASE_PUBLIC_KEY, repo: root, offline: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--key' && argv[i + 1]) options.key = resolve(argv[++i]);
    else if (arg === '--repo' && argv[i + 1]) options.repo = argv[++i];
    else if (arg === '--offline') options.offline = true;
    else if (arg === '--keep') options.keep = true;
    else if (!arg.startsWith('--') && !options.dir) options.dir = resolve(arg);
    else options.dir = '';
  }
  if (!options.dir) {
    console.error(
      'usage: node scripts/verify-build.mjs <release folder> [--key FILE] [--repo GIT-URL-OR-PATH] [--offline] [--keep]',
    );
    process.exit(2);
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const { statement, checksums, problems } = checkPublishedRelease(options.dir, readFileSync(options.key));
  const { commit } = statement.predicate.buildDefinition.externalParameters.source;
  const { sourceDateEpoch } = statement.predicate.buildDefinition.externalParameters;
  console.log(`provenance signed by the release key: commit ${commit}, SOURCE_DATE_EPOCH ${sourceDateEpoch}`);
  // The executable is rebuilt only when the release has one (it is specific to an OS and CPU).
  const executable = [...checksums.keys()].some((path) => !path.includes('/') && !path.endsWith('.tar.gz'));
  const rebuilt = rebuild({ repo: options.repo, commit, sourceDateEpoch, executable, ...options });
  problems.push(...compareChecksums(checksums, rebuilt));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length) {
    for (const line of problems) console.log(`  ${line}`);
    console.log(`verify-build: FAILED (${problems.length} differences, ${seconds} s)`);
    process.exit(1);
  }
  console.log(
    `verify-build: the rebuild of ${commit} matches all ${checksums.size} checksums (${seconds} s)`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`verify-build: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}
