import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { precacheOf, serviceWorkerSource } from '../src/pwa/service-worker-build.js';

/**
 * The service worker's precache: the whole build as one versioned set. The version must move
 * with any byte of any file (or a browser would keep an old shell), and stay put when nothing
 * changed (reproducible builds; no needless update banner).
 */

const bytes = (s: string) => new TextEncoder().encode(s);
const build = (extra: Record<string, string> = {}) =>
  new Map(
    Object.entries({
      'index.html': '<script src="/assets/index-abc.js"></script>',
      'assets/index-abc.js': 'console.log(1)',
      'assets/index-abc.js.map': '{}',
      'manifest.webmanifest': '{}',
      'sw.js': 'old worker',
      ...extra,
    }).map(([name, text]) => [name, bytes(text)]),
  );

describe('service worker precache', () => {
  it('lists every file of the build but the worker and source maps, sorted, from the root', () => {
    expect(precacheOf(build()).files).toEqual([
      '/assets/index-abc.js',
      '/index.html',
      '/manifest.webmanifest',
    ]);
  });

  it('has the same version for the same files, another when one byte of one file changes', () => {
    const a = precacheOf(build());
    expect(precacheOf(build()).version).toBe(a.version);
    expect(
      precacheOf(build({ 'index.html': '<script src="/assets/index-abd.js"></script>' })).version,
    ).not.toBe(a.version);
    expect(precacheOf(build({ 'manifest.webmanifest': '{ }' })).version).not.toBe(a.version);
    expect(precacheOf(build({ 'icon-192.png': 'png' })).version).not.toBe(a.version);
    // The worker itself and source maps do not count: they are not served from the cache.
    expect(precacheOf(build({ 'sw.js': 'another worker', 'assets/index-abc.js.map': '[]' })).version).toBe(
      a.version,
    );
    // Nor does the transcription engine, which only admins who transcribe load.
    const withEngine = build({
      'assets/whisper.worker-Ab1.js': 'w',
      'assets/shout.wasm-Cd2.js': 's',
      'assets/whisper-single-thread.worker-Ef3.js': 'w1',
      'assets/whisper-single-thread-Gh4.wasm': 'm1',
    });
    expect(precacheOf(withEngine)).toEqual(a);
  });

  it('puts the list in front of the hand-written worker, which never caches the API', () => {
    const worker = readFileSync(new URL('../src/pwa/sw.js', import.meta.url), 'utf8');
    const source = serviceWorkerSource(precacheOf(build()), worker);
    expect(source.startsWith('const PRECACHE = {"version":"')).toBe(true);
    // The worker leaves /api alone (and the simulator's page), and only ever answers GETs.
    expect(worker).toMatch(/SERVER_PATHS = \/\^\\\/\(api\(\\\/\|\$\)\|simulator/);
    expect(worker).toMatch(/if \(request\.method !== 'GET'\) return;/);
    // The only cache.put is the notification words: nothing fetched is ever stored at run time.
    expect(worker.match(/cache\.put\(/g)).toHaveLength(1);
    expect(worker).toMatch(/cache\.put\(\s*TEXT_URL/);
  });
});
