import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { VersionInfo } from '@llamenos/protocol';
import { z } from 'zod';
import { webBundleDigest } from './web-bundle.js';

/**
 * `llamenos verify-served <url> <CHECKSUMS.txt>`: does the server at <url> serve exactly the web
 * client of a release? Every web file CHECKSUMS.txt lists is fetched and hashed, and the
 * server's own account of what it serves (/api/version) must give the same bundle digest, which
 * also catches files the server serves beyond the listed ones.
 */

const ServerUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });
const ChecksumLine = z.string().regex(/^[0-9a-f]{64} {2}\S[^\n]*$/, 'expected "<sha256 hex>  <path>"');
/** The release archive's web bundle: "<archive folder>/web/<path>" (scripts/release.mjs). */
const WEB_FILE = /^[^/]+\/web\/(.+)$/;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The web files a CHECKSUMS.txt lists: path under the web bundle → SHA-256 hex. */
export function webFilesOf(checksums: string): Map<string, string> {
  const files = new Map<string, string>();
  const lines = checksums.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, index) => {
    const parsed = ChecksumLine.safeParse(line);
    if (!parsed.success)
      throw new Error(`CHECKSUMS.txt line ${index + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const web = WEB_FILE.exec(line.slice(66));
    if (web?.[1]) files.set(web[1], line.slice(0, 64));
  });
  if (!files.size) throw new Error('CHECKSUMS.txt lists no web file (<release>/web/…)');
  return files;
}

export interface ServedReport {
  ok: boolean;
  /** One line per finding, mismatches first. */
  lines: string[];
}

async function fetchBytes(url: string, fetchFn: typeof fetch): Promise<Uint8Array | string> {
  try {
    // A redirect is not the file: a release's files are served from the server's own origin.
    const res = await fetchFn(url, { redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    if (res.status !== 200) return `HTTP ${res.status}`;
    return new Uint8Array(await res.arrayBuffer());
  } catch (error) {
    return (error as Error).message;
  }
}

export async function verifyServed(
  serverUrl: string,
  checksums: string,
  fetchFn: typeof fetch = fetch,
): Promise<ServedReport> {
  const base = ServerUrl.parse(serverUrl).replace(/\/+$/, '');
  const expected = webFilesOf(checksums);
  const problems: string[] = [];
  let matched = 0;
  for (const [file, digest] of [...expected].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const body = await fetchBytes(`${base}/${file.split('/').map(encodeURIComponent).join('/')}`, fetchFn);
    if (typeof body === 'string') problems.push(`${file}: not served (${body})`);
    else if (sha256(body) !== digest) problems.push(`${file}: differs (served ${sha256(body)})`);
    else matched++;
  }
  const expectedBundle = webBundleDigest(expected);
  const versionBody = await fetchBytes(`${base}/api/version`, fetchFn);
  let version: VersionInfo | null = null;
  if (typeof versionBody === 'string') problems.push(`/api/version: ${versionBody}`);
  else {
    let json: unknown = null;
    try {
      json = JSON.parse(Buffer.from(versionBody).toString('utf8'));
    } catch {}
    const parsed = VersionInfo.safeParse(json);
    if (!parsed.success) problems.push('/api/version: not a version answer');
    else version = parsed.data;
  }
  if (version && version.webBundle.sha256 !== expectedBundle)
    problems.push(
      `web bundle: the server reports ${version.webBundle.sha256} (${version.webBundle.files} files), CHECKSUMS.txt gives ${expectedBundle} (${expected.size} files)`,
    );
  const summary = `${matched} of ${expected.size} web files match${
    version
      ? `; server version ${version.version}, commit ${version.commit ?? 'none (not a release build)'}`
      : ''
  }`;
  return { ok: problems.length === 0, lines: [...problems, summary] };
}

/** The command: exit 0 when everything matches, 1 at any difference, 2 on bad arguments. */
export async function verifyServedCommand(args: string[]): Promise<number> {
  const [url, file] = args;
  if (!url || !file || args.length !== 2) {
    process.stderr.write('usage: llamenos verify-served <url> <CHECKSUMS.txt>\n');
    return 2;
  }
  let report: ServedReport;
  try {
    report = await verifyServed(url, await readFile(file, 'utf8'));
  } catch (error) {
    const message =
      error instanceof z.ZodError ? `${url}: ${error.issues[0]?.message}` : (error as Error).message;
    process.stderr.write(`verify-served: ${message}\n`);
    return 2;
  }
  process.stdout.write(`${report.lines.join('\n')}\n`);
  process.stdout.write(report.ok ? 'the server serves exactly this release\n' : 'MISMATCH\n');
  return report.ok ? 0 : 1;
}
