/**
 * The worker threads' scripts inside the release bundle. A release is one script with nothing
 * beside it (llamenos.cjs, or the single executable that carries it), so the two worker entries
 * the server starts under load — conversations/seal-worker.ts (sealing arriving texts) and
 * auth/signature-worker-thread.ts (checking signed requests) — are bundled on their own by
 * scripts/release.mjs and written into the server's bundle as text, in place of
 * `__LLAMENOS_WORKERS__`. The spawn functions (seal-pool.ts, signature-worker.ts) start them from
 * here when present; from the build's .js files or the sources otherwise, as before.
 *
 * They are ES modules (the signature thread awaits its WASM engine at the top level, which a
 * CommonJS script cannot), started from a data: URL, which Node's Worker loads as a module.
 */
declare const __LLAMENOS_WORKERS__: Readonly<Record<BundledWorker, string>> | undefined;

export type BundledWorker = 'seal' | 'signature';

/** The named worker's script as a data: URL for `new Worker(url)`; null outside a release bundle. */
export function bundledWorker(name: BundledWorker): URL | null {
  if (typeof __LLAMENOS_WORKERS__ === 'undefined' || !__LLAMENOS_WORKERS__) return null;
  const code = __LLAMENOS_WORKERS__[name];
  return code ? new URL(`data:text/javascript,${encodeURIComponent(code)}`) : null;
}
