/**
 * The install mends known defects of pinned dependencies (scripts/mend-dependencies.mjs, the root
 * package's postinstall): the installed files carry the mends, and the script finds nothing left
 * to do. What a mend fixes is tested where it matters (db/postgres.test.ts: a connection that dies
 * under a transaction or the ordered lane).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');

describe('mended dependencies', () => {
  it('are mended in this install, and a second run changes nothing', () => {
    const check = spawnSync(process.execPath, ['scripts/mend-dependencies.mjs', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    for (const file of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']) {
      const text = readFileSync(path.join(ROOT, 'node_modules/postgres', file), 'utf8');
      expect(text, file).toContain('function closedWrite()');
      expect(text.match(/chunk = nextWriteTimer = null \/\/ llamenos-mend/g), file).toHaveLength(2);
    }
  });
});
