#!/usr/bin/env node
/**
 * Mends known defects of pinned dependencies in node_modules, after every install (the root
 * package's postinstall), until a release of theirs carries the fix. Each mend names the version
 * it was written for and the exact text it changes: another version, or a file whose text is not
 * the expected one, stops the install with a message, so an upgrade is looked at rather than left
 * unmended or mended wrongly. A mended file carries MARK and is left alone: running this twice
 * changes nothing.
 *
 * postgres 3.4.9 (porsager/postgres#1154, #1208; not fixed in any 3.x release): small writes wait
 * for a setImmediate, and a connection whose socket has closed forgets neither that timer nor the
 * bytes it was holding. A statement sent on it next (a transaction's or a reserved connection's,
 * which the pool cannot route elsewhere) either dereferences the null socket from the timer, an
 * uncaught TypeError that ends the whole process, or, on a reconnect, has its stale bytes sent
 * before the new start-up message. Seen here: PostgreSQL restarted under calls
 * (`npm run bench -- calls-faults`) killed a server process. The mend: a write that finds no
 * socket fails the connection's statements with CONNECTION_CLOSED (which callers already handle),
 * and closing or ending a connection drops the timer and the held bytes.
 *   node scripts/mend-dependencies.mjs [--check]   (--check: report only, exit 1 if unmended)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MARK = 'llamenos-mend';

/** One exact replacement; `count` is how many times `from` must occur. */
const replace = (from, to, count = 1) => ({ from, to, count });

const MENDS = [
  {
    pkg: 'postgres',
    version: '3.4.9',
    files: ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js'],
    edits: [
      replace(
        '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
        `  // ${MARK} (porsager/postgres#1208): a write that finds the socket gone fails the connection's
  // statements as a closed connection does, instead of throwing from a timer.
  function closedWrite() {
    nextWriteTimer !== null && clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null
    error(Errors.connection('CONNECTION_CLOSED', options))
    return false
  }

  function nextWrite(fn) {
    if (socket === null)
      return closedWrite()
    const x = socket.write(chunk, fn)`,
      ),
      // In terminate() and closed(): the timer and the bytes it held go with the socket.
      replace(
        '    clearImmediate(nextWriteTimer)\n',
        `    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null // ${MARK}\n`,
        2,
      ),
    ],
  },
];

const countOf = (text, part) => text.split(part).length - 1;

function mendAll(check) {
  const problems = [];
  let mended = 0;
  for (const mend of MENDS) {
    const dir = join(root, 'node_modules', mend.pkg);
    if (!existsSync(join(dir, 'package.json'))) continue; // not installed (a partial install)
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (version !== mend.version) {
      problems.push(
        `${mend.pkg} is ${version}, the mend was written for ${mend.version}: check whether ${version} still needs it, then update or remove it in scripts/mend-dependencies.mjs`,
      );
      continue;
    }
    for (const file of mend.files) {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      if (text.includes(MARK)) continue;
      let next = text;
      for (const edit of mend.edits) {
        const found = countOf(next, edit.from);
        if (found !== edit.count) {
          problems.push(
            `${mend.pkg}/${file}: expected ${edit.count} of ${JSON.stringify(edit.from.slice(0, 60))}…, found ${found}`,
          );
          next = null;
          break;
        }
        next = next.split(edit.from).join(edit.to);
      }
      if (next === null) continue;
      if (check) problems.push(`${mend.pkg}/${file} is not mended`);
      else {
        writeFileSync(path, next);
        mended++;
      }
    }
  }
  return { problems, mended };
}

const check = process.argv.includes('--check');
const { problems, mended } = mendAll(check);
if (problems.length) {
  console.error(`mend-dependencies: ${problems.join('\n  ')}`);
  process.exit(1);
}
if (mended) console.log(`mend-dependencies: ${mended} file(s) mended`);
