import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Filled in by the release build (scripts/release.mjs defines it when it bundles the server):
 * the version and the git commit the bundle was built from. A server run from the checkout
 * (`npm start`, tests) has no release identity.
 */
declare const __LLAMENOS_RELEASE__: { version: string; commit: string } | undefined;

export interface BuildInfo {
  version: string;
  /** The source commit of a release build; null when the server runs from a checkout. */
  commit: string | null;
}

/** The checkout's version: apps/server/package.json, the same depth from src/ and dist/. */
function checkoutVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function buildInfo(): BuildInfo {
  if (typeof __LLAMENOS_RELEASE__ !== 'undefined' && __LLAMENOS_RELEASE__)
    return { version: __LLAMENOS_RELEASE__.version, commit: __LLAMENOS_RELEASE__.commit };
  return { version: checkoutVersion(), commit: null };
}

/**
 * A release's own web client: web/ beside the bundle (the release tree, or the folder the single
 * executable unpacks into; sea/runtime.ts). Null when the server runs from a checkout.
 */
export function releaseWebRoot(): string | null {
  if (typeof __LLAMENOS_RELEASE__ === 'undefined' || !__LLAMENOS_RELEASE__) return null;
  return fileURLToPath(new URL('./web/', import.meta.url));
}
