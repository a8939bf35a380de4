import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * The digest of a web bundle: the SHA-256 of its listing in CHECKSUMS.txt form, one
 * "<sha256 hex>  <path relative to the bundle>\n" line per file, sorted by path (bytes). The
 * release's CHECKSUMS.txt lists the same files, so anyone can compute the digest the server
 * should report from it (`llamenos verify-served`; docs/OPERATIONS.md).
 */
export function webBundleDigest(files: ReadonlyMap<string, string>): string {
  const lines = [...files]
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(([file, digest]) => `${digest}  ${file}\n`);
  return sha256(lines.join(''));
}

/** Every file under `root` (relative path with "/" → SHA-256 hex); empty when the folder is missing. */
export async function digestFolder(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let entries: { name: string; parentPath: string; isFile(): boolean }[];
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(root, full).split(path.sep).join('/'), sha256(await readFile(full)));
  }
  return files;
}
