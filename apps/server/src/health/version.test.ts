import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VersionInfo } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { verifyServed, verifyServedCommand } from './verify-served.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const WEB_FILES: Record<string, string> = {
  'index.html': '<!doctype html><title>app</title>',
  'assets/index-Ab12.js': 'export const a = 1;',
  'manifest.webmanifest': '{}',
};

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function webFolder(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'llamenos-version-'));
  folders.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

/** A release's CHECKSUMS.txt for these web files (scripts/release.mjs's layout), sorted by path. */
function checksumsFor(files: Record<string, string>): string {
  const lines = Object.entries(files).map(([file, text]) => `${sha256(text)}  llamenos-0.1.0/web/${file}\n`);
  lines.push(`${sha256('archive')}  llamenos-0.1.0.tar.gz\n`);
  return lines.sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1)).join('');
}

describe('GET /api/version and llamenos verify-served', () => {
  let h: TestHotline;
  let web: string;
  beforeAll(async () => {
    web = webFolder(WEB_FILES);
    h = await createTestHotline({ WEB_DIR: web });
  });
  afterAll(() => h?.close());

  const fetchFromApp: typeof fetch = (input, init) => Promise.resolve(h.app.request(String(input), init));

  it('is public and gives the version, no commit from a checkout, and the served bundle digest', async () => {
    const res = await h.request('GET', '/api/version');
    expect(res.status).toBe(200);
    const info = VersionInfo.parse(await res.json());
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.commit).toBeNull();
    // The digest is the SHA-256 of the CHECKSUMS.txt-style listing of the served folder.
    const listing = Object.keys(WEB_FILES)
      .sort()
      .map((file) => `${sha256(WEB_FILES[file]!)}  ${file}\n`)
      .join('');
    expect(info.webBundle).toEqual({ sha256: sha256(listing), files: 3 });
  });

  it('verify-served passes when the server serves exactly the listed files', async () => {
    const report = await verifyServed('http://127.0.0.1:3000/', checksumsFor(WEB_FILES), fetchFromApp);
    expect(report.lines.at(-1)).toMatch(/^3 of 3 web files match; server version .*, commit none/);
    expect(report.ok).toBe(true);
  });

  it('verify-served fails when one byte of a served file differs', async () => {
    const changed = { ...WEB_FILES, 'assets/index-Ab12.js': 'export const a = 2;' };
    const report = await verifyServed('http://127.0.0.1:3000', checksumsFor(changed), fetchFromApp);
    expect(report.ok).toBe(false);
    expect(report.lines[0]).toMatch(/^assets\/index-Ab12\.js: differs \(served [0-9a-f]{64}\)$/);
    expect(report.lines[1]).toMatch(/^web bundle: the server reports /);
  });

  it('verify-served fails when the server serves a file the release does not list', async () => {
    const extra = await createTestHotline({ WEB_DIR: webFolder({ ...WEB_FILES, 'extra.js': 'track()' }) });
    try {
      const report = await verifyServed('http://127.0.0.1:3000', checksumsFor(WEB_FILES), (input, init) =>
        Promise.resolve(extra.app.request(String(input), init)),
      );
      expect(report.ok).toBe(false);
      expect(report.lines).toEqual([
        expect.stringMatching(
          /^web bundle: the server reports [0-9a-f]{64} \(4 files\), CHECKSUMS.txt gives/,
        ),
        expect.stringMatching(/^3 of 3 web files match/),
      ]);
    } finally {
      await extra.close();
    }
  });

  it('refuses a bad URL, a bad CHECKSUMS.txt and bad arguments with a message', async () => {
    await expect(verifyServed('ftp://x', checksumsFor(WEB_FILES), fetchFromApp)).rejects.toThrow(
      /http:\/\/ or https:\/\//,
    );
    await expect(verifyServed('http://x', 'not a checksum line\n', fetchFromApp)).rejects.toThrow(/line 1/);
    await expect(verifyServed('http://x', `${sha256('a')}  a.tar.gz\n`, fetchFromApp)).rejects.toThrow(
      /no web file/,
    );
    expect(await verifyServedCommand(['http://x'])).toBe(2);
  });
});
