import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { releaseWebRoot } from '../health/build-info.js';
import type { AppEnv } from '../http/context.js';
import { isPublic } from '../http/guard.js';

/** The built web client: apps/web/dist, the same depth from src/ and dist/ of the server. */
const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** The folder the web client is served from: WEB_DIR, a release's own, or the checkout's apps/web/dist. */
export const webRoot = (config: { WEB_DIR?: string | undefined }): string =>
  path.resolve(config.WEB_DIR ?? releaseWebRoot() ?? DEFAULT_WEB_DIST);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

async function fileIfExists(file: string): Promise<Buffer | null> {
  try {
    if (!(await stat(file)).isFile()) return null;
    return await readFile(file);
  } catch {
    return null;
  }
}

/**
 * Whether `target` (resolved) is `base` or below it. A plain prefix test is not enough: "dist" is
 * a prefix of the sibling "dist-secret", so the comparison is on whole path segments.
 */
function isInside(base: string, target: string): boolean {
  const relative = path.relative(base, target);
  return !(relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative));
}

/**
 * Cross-origin isolation for every page and file of the web client, so the page may use
 * SharedArrayBuffer: the whisper engine (whisper.cpp in WebAssembly) runs its threads on it and
 * falls back to one thread without it.
 *
 * - COOP same-origin: the app shares no browsing context group with other sites' windows.
 * - COEP require-corp rather than credentialless: every resource the app loads is its own
 *   (scripts, workers, the .wasm, the model, blob: and data: URLs), so require-corp costs
 *   nothing, and it is the one value every browser with cross-origin isolation supports
 *   (Safari has no credentialless). A third-party resource embedded later would have to send
 *   CORP or CORS headers; the CSP already allows none.
 * - CORP same-origin: no other site may embed these files either.
 *
 * Workers inherit the page's isolation from their scripts, which are served here with the same
 * headers; the API, the relay WebSocket and passkeys are same-origin and unaffected.
 */
export const CROSS_ORIGIN_ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
} as const;

/**
 * Serves the web client from one origin with the API. Hashed assets are cached forever;
 * every other path that is not a file gets index.html (the client routes it).
 */
export function mountWebClient(
  app: Hono<AppEnv>,
  root = DEFAULT_WEB_DIST,
  options: { crossOriginIsolation: boolean } = { crossOriginIsolation: true },
): void {
  const base = path.resolve(root);
  // CROSS_ORIGIN_ISOLATION=off: the operator's way out where COOP/COEP break something of theirs.
  const isolation = options.crossOriginIsolation
    ? CROSS_ORIGIN_ISOLATION
    : { 'cross-origin-resource-policy': CROSS_ORIGIN_ISOLATION['cross-origin-resource-policy'] };
  app.get('*', isPublic(), async (c, next) => {
    const url = new URL(c.req.url);
    if (url.pathname.startsWith('/api/') || url.pathname === '/api') return next();
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname);
    } catch {
      return next();
    }
    const requested = path.resolve(base, `.${decoded}`);
    if (!isInside(base, requested)) return next(); // path traversal
    const asset = url.pathname !== '/' ? await fileIfExists(requested) : null;
    if (asset) {
      const immutable = url.pathname.startsWith('/assets/');
      return c.body(new Uint8Array(asset), 200, {
        ...isolation,
        'content-type': TYPES[path.extname(requested)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
    const index = await fileIfExists(path.join(base, 'index.html'));
    if (!index) return next();
    return c.body(new Uint8Array(index), 200, {
      ...isolation,
      'content-type': TYPES['.html']!,
      'cache-control': 'no-cache',
    });
  });
}
