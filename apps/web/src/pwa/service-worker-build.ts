import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

/**
 * Emits /sw.js at build time: the hand-written worker (./sw.js) preceded by the list of this
 * build's files and a version that is a hash of all of them (names and bytes). Any change to
 * any file gives a new sw.js, which the browser sees as an update; an unchanged build gives
 * byte-identical output (no time, no randomness), which reproducible releases need.
 */

export interface Precache {
  version: string;
  files: string[];
}

/**
 * Files never precached: the worker itself, source maps, and the transcription engines
 * (whisper.cpp, about 3 MB threaded, 1.2 MB without threads), which only a member who transcribes
 * ever loads; they come from the network (hashed name, cached as immutable) the first time.
 */
const SKIPPED =
  /^(sw\.js|.*\.map|assets\/(whisper\.worker|whisper-single-thread\.worker|shout\.wasm)-[^/]+\.js|assets\/whisper-single-thread-[^/]+\.wasm)$/;

/** The precache list and version for `files` (path below the site root → bytes). */
export function precacheOf(files: ReadonlyMap<string, Uint8Array>): Precache {
  const names = [...files.keys()].filter((name) => !SKIPPED.test(name)).sort();
  const hash = createHash('sha256');
  for (const name of names) {
    hash.update(`${name}\0`);
    hash.update(createHash('sha256').update(files.get(name)!).digest());
  }
  return { version: hash.digest('hex').slice(0, 16), files: names.map((name) => `/${name}`) };
}

/** The worker's source with its precache list in front. */
export function serviceWorkerSource(precache: Precache, workerSource: string): string {
  return `const PRECACHE = ${JSON.stringify(precache)};\n${workerSource}`;
}

function publicFiles(dir: string, prefix = ''): [string, Uint8Array][] {
  return readdirSync(dir).flatMap((name): [string, Uint8Array][] => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return publicFiles(full, `${prefix}${name}/`);
    return [[`${prefix}${name}`, readFileSync(full)]];
  });
}

export function serviceWorkerPlugin(): Plugin {
  let publicDir = '';
  return {
    name: 'llamenos-service-worker',
    enforce: 'post',
    apply: 'build',
    configResolved(config) {
      publicDir = config.publicDir;
    },
    generateBundle(_options, bundle) {
      const files = new Map<string, Uint8Array>(publicDir ? publicFiles(publicDir) : []);
      for (const [name, output] of Object.entries(bundle)) {
        const bytes = output.type === 'chunk' ? output.code : output.source;
        files.set(name, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
      }
      const worker = readFileSync(new URL('./sw.js', import.meta.url), 'utf8');
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: serviceWorkerSource(precacheOf(files), worker),
      });
    },
  };
}
