import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getAsset, isSea } from 'node:sea';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where the release bundle's modules find their files. The bundle is one CommonJS file
 * (scripts/release.mjs) in which `import.meta.url` is replaced by `globalThis.__llamenosBundleUrl`:
 * the release archive's folder (the banner sets it), so PGlite finds pglite.wasm, initdb.wasm and
 * pglite.data beside the bundle. The single executable carries those files and the web client
 * as assets instead: they are written to a private temporary folder (removed at exit) and the
 * modules are pointed there. It is a folder URL, never the invoked file, so cli.ts's "run as a
 * program" check stays false and sea/entry.ts runs the command.
 *
 * This module must be imported before any other: the modules it points read the URL when loaded.
 */
declare global {
  var __llamenosBundleUrl: string | undefined;
}

/** The asset listing the executable's other assets (node:sea cannot enumerate them on Node 20). */
export const SEA_MANIFEST_ASSET = 'manifest.json';

function unpackExecutableAssets(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'llamenos-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const names = JSON.parse(getAsset(SEA_MANIFEST_ASSET, 'utf8')) as string[];
  for (const name of names) {
    if (name.startsWith('/') || name.split('/').includes('..')) throw new Error(`bad asset name ${name}`);
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, new Uint8Array(getAsset(name)));
  }
  return dir;
}

const folder = isSea()
  ? unpackExecutableAssets()
  : globalThis.__llamenosBundleUrl
    ? fileURLToPath(new URL('.', globalThis.__llamenosBundleUrl))
    : process.cwd();
// The release's web client is web/ in this folder (health/build-info.ts: releaseWebRoot).
globalThis.__llamenosBundleUrl = pathToFileURL(`${folder.replace(/\/+$/, '')}/`).href;
