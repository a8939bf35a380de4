import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The server's product source as the scan tests read it (no SQL in routes, explicit wiring,
 * lessons 6 and 18): the files under apps/server/src and the names the scans report them by.
 */

/** apps/server/src, absolute, with a trailing separator. */
export const SERVER_SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Every file below `dir` whose name passes `keep` (absolute paths). */
export function filesBelow(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesBelow(full, keep);
    return keep(name) ? [full] : [];
  });
}

/** Every server source file (tests excluded). */
export const serverSourceFiles = (): string[] =>
  filesBelow(SERVER_SRC, (name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));

/** A file's path under apps/server/src with forward slashes, e.g. `calls/routes.ts`. */
export const srcPath = (file: string): string => path.relative(SERVER_SRC, file).split(path.sep).join('/');
