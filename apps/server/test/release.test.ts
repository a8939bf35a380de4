import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checksumsText,
  compareChecksums,
  packTarGz,
  pae,
  parseChecksums,
  provenanceStatement,
  sha256,
  signEnvelope,
  verifyEnvelope,
} from '../../../scripts/release-lib.mjs';
import { checkPublishedRelease, RELEASE_PUBLIC_KEY } from '../../../scripts/verify-build.mjs';

/**
 * The release's byte-exact steps (scripts/release-lib.mjs) from a fixed input. The full build
 * twice from two clean clones is `npm run release` then `node scripts/verify-build.mjs dist/release`
 * (about a minute: docs/OPERATIONS.md), too slow for every test run.
 */

const EPOCH = 1_700_000_000;
const FIXED_TREE: [string, string][] = [
  ['llamenos.cjs', 'console.log("server");\n'],
  ['pglite.wasm', '\0asm wasm bytes'],
  ['web/index.html', '<!doctype html><title>app</title>'],
  ['web/assets/index-Ab12.js', 'export const a = 1;'],
  ['web/assets/index-Ab12.css', 'body{}'],
  ['web/manifest.webmanifest', '{}'],
];

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});
/** A fresh temporary folder, removed after the tests. */
function tempFolder(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

/** Writes the tree into a fresh folder: in the given order, with its own times and modes. */
function writeTree(order: [string, string][], time: number, mode: number): string {
  const dir = tempFolder('llamenos-release-test-');
  for (const [file, text] of order) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text, { mode });
    utimesSync(path.join(dir, file), time, time);
  }
  return dir;
}

/** What release.mjs packs: every file of the folder, under the release's folder name. */
function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(`llamenos-0.0.0/${path.relative(dir, full).split(path.sep).join('/')}`, readFileSync(full));
  }
  return files;
}

const ed25519 = () => generateKeyPairSync('ed25519');

describe('the release archive', () => {
  it('is byte-identical when built twice in two clean folders (other order, times and modes)', () => {
    const first = writeTree(FIXED_TREE, 1_000, 0o600);
    const second = writeTree([...FIXED_TREE].reverse(), 2_000_000_000, 0o664);
    const a = packTarGz(readTree(first), EPOCH);
    const b = packTarGz(readTree(second), EPOCH);
    expect(a.equals(b)).toBe(true);
    expect(checksumsText(readTree(first))).toBe(checksumsText(readTree(second)));
  });

  it('changes when one byte of the bundle changes, or the time', () => {
    const tree = readTree(writeTree(FIXED_TREE, 1_000, 0o644));
    const before = packTarGz(tree, EPOCH);
    const changed = new Map(tree);
    const js = Buffer.from(tree.get('llamenos-0.0.0/web/assets/index-Ab12.js')!);
    js[0] = (js[0] ?? 0) ^ 1;
    changed.set('llamenos-0.0.0/web/assets/index-Ab12.js', js);
    expect(packTarGz(changed, EPOCH).equals(before)).toBe(false);
    expect(packTarGz(tree, EPOCH + 1).equals(before)).toBe(false);
  });

  it('is a gzip with no name and no time (gzip -n)', () => {
    const gz = packTarGz([['a/b.txt', Buffer.from('x')]], EPOCH);
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]); // no FNAME flag
    expect(gz.readUInt32LE(4)).toBe(0); // MTIME
  });

  it.skipIf(spawnSync('tar', ['--version']).status !== 0)(
    'reads back with GNU tar: names sorted, owner 0/0, every time SOURCE_DATE_EPOCH, 0755/0644',
    () => {
      const dir = tempFolder('llamenos-release-tar-');
      const archive = path.join(dir, 'r.tar.gz');
      writeFileSync(archive, packTarGz(readTree(writeTree(FIXED_TREE, 1_000, 0o600)), EPOCH));
      const listing = spawnSync(
        'tar',
        ['--list', '--verbose', '--numeric-owner', '--full-time', '-zf', archive],
        {
          encoding: 'utf8',
          env: { ...process.env, TZ: 'UTC' },
        },
      );
      expect(listing.status, listing.stderr).toBe(0);
      const rows = listing.stdout.trim().split('\n');
      const names = rows.map((row) => row.split(/\s+/).at(-1)!);
      expect(names).toEqual([...names].sort());
      expect(names).toContain('llamenos-0.0.0/web/assets/');
      for (const row of rows) {
        expect(row).toMatch(/^(drwxr-xr-x|-rw-r--r--) 0\/0 /);
        expect(row).toContain('2023-11-14 22:13:20');
      }
      const extracted = spawnSync('tar', ['-xzf', archive, '-C', dir]);
      expect(extracted.status).toBe(0);
      expect(readFileSync(path.join(dir, 'llamenos-0.0.0', 'web', 'index.html'), 'utf8')).toBe(
        '<!doctype html><title>app</title>',
      );
    },
  );

  it('refuses paths that would land outside the release folder', () => {
    expect(() => packTarGz([['../etc/passwd', Buffer.from('x')]], EPOCH)).toThrow(/refusing/);
    expect(() => packTarGz([['/abs', Buffer.from('x')]], EPOCH)).toThrow(/refusing/);
  });
});

describe('CHECKSUMS.txt', () => {
  it('is sha256sum format sorted by path, and parses back', () => {
    const text = checksumsText([
      ['b/x', 'two'],
      ['a', 'one'],
    ]);
    expect(text).toBe(`${sha256('one')}  a\n${sha256('two')}  b/x\n`);
    expect(parseChecksums(text)).toEqual(
      new Map([
        ['a', sha256('one')],
        ['b/x', sha256('two')],
      ]),
    );
    expect(() => parseChecksums('nothex  a\n')).toThrow(/line 1/);
  });

  it('a rebuild that differs in one byte of one file is reported with its path', () => {
    const files = readTree(writeTree(FIXED_TREE, 1_000, 0o644));
    const published = parseChecksums(checksumsText(files));
    const html = Buffer.from(files.get('llamenos-0.0.0/web/index.html')!);
    html[html.length - 1] = (html[html.length - 1] ?? 0) ^ 1;
    const rebuilt = parseChecksums(checksumsText(new Map(files).set('llamenos-0.0.0/web/index.html', html)));
    expect(compareChecksums(published, published)).toEqual([]);
    expect(compareChecksums(published, rebuilt)).toEqual([
      expect.stringMatching(/^llamenos-0\.0\.0\/web\/index\.html: /),
    ]);
  });
});

describe('the provenance envelope (DSSE, Ed25519)', () => {
  it("builds the pre-authentication encoding exactly as the DSSE spec's example", () => {
    expect(pae('http://example.com/HelloWorld', 'hello world').toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    // Lengths are bytes, not characters.
    expect(pae('t', 'é').toString()).toBe('DSSEv1 1 t 2 é');
  });

  const statement = provenanceStatement({
    subjects: [['llamenos-0.0.0.tar.gz', sha256('archive')]],
    commit: 'a'.repeat(40),
    repository: 'https://example.invalid/llamenos.git',
    lockfileSha256: sha256('lock'),
    sourceDateEpoch: EPOCH,
    builder: { id: 'urn:test', node: 'v20', npm: '10', platform: 'linux-x64' },
  });

  it('verifies with the signing key and names the source commit', () => {
    const { privateKey, publicKey } = ed25519();
    const verified = verifyEnvelope(signEnvelope(statement, privateKey), publicKey);
    expect(verified.predicate.buildDefinition.externalParameters.source.commit).toBe('a'.repeat(40));
    expect(verified.subject[0]?.name).toBe('llamenos-0.0.0.tar.gz');
  });

  it('refuses another key, a changed payload, and a changed payload type', () => {
    const { privateKey, publicKey } = ed25519();
    const envelope = signEnvelope(statement, privateKey);
    expect(() => verifyEnvelope(envelope, ed25519().publicKey)).toThrow(/no signature/);
    const payload = Buffer.from(envelope.payload, 'base64')
      .toString()
      .replace('a'.repeat(40), 'b'.repeat(40));
    expect(() =>
      verifyEnvelope({ ...envelope, payload: Buffer.from(payload).toString('base64') }, publicKey),
    ).toThrow(/no signature/);
    expect(() => verifyEnvelope({ ...envelope, payloadType: 'application/json' }, publicKey)).toThrow(
      /payload type/,
    );
    expect(() => verifyEnvelope({ payload: 1 }, publicKey)).toThrow();
  });

  it('the committed release key is an Ed25519 public key', () => {
    expect(createPublicKey(readFileSync(RELEASE_PUBLIC_KEY)).asymmetricKeyType).toBe('ed25519');
  });
});

describe('verify-build: the published folder against its signed provenance', () => {
  /** A small published release: tree, archive, CHECKSUMS.txt and the envelope, signed by `privateKey`. */
  function publish(privateKey: ReturnType<typeof ed25519>['privateKey']): string {
    const dir = writeTree(
      FIXED_TREE.map(([file, text]) => [`llamenos-0.0.0/${file}`, text]),
      1_000,
      0o644,
    );
    const tree = new Map(FIXED_TREE.map(([file, text]) => [`llamenos-0.0.0/${file}`, Buffer.from(text)]));
    const archive = packTarGz(tree, EPOCH);
    writeFileSync(path.join(dir, 'llamenos-0.0.0.tar.gz'), archive);
    const checksums = checksumsText(new Map([...tree, ['llamenos-0.0.0.tar.gz', archive]]));
    writeFileSync(path.join(dir, 'CHECKSUMS.txt'), checksums);
    const statement = provenanceStatement({
      subjects: [
        ['llamenos-0.0.0.tar.gz', sha256(archive)],
        ['CHECKSUMS.txt', sha256(checksums)],
      ],
      commit: 'c'.repeat(40),
      repository: 'https://example.invalid/llamenos.git',
      lockfileSha256: sha256('lock'),
      sourceDateEpoch: EPOCH,
      builder: { id: 'urn:test', node: 'v20', npm: '10', platform: 'linux-x64' },
    });
    writeFileSync(
      path.join(dir, 'llamenos-0.0.0.intoto.jsonl'),
      `${JSON.stringify(signEnvelope(statement, privateKey))}\n`,
    );
    return dir;
  }

  const flipByte = (file: string) => {
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] ?? 0) ^ 1;
    writeFileSync(file, bytes);
  };

  it('passes for the folder as published', () => {
    const { privateKey, publicKey } = ed25519();
    const { problems, checksums } = checkPublishedRelease(publish(privateKey), publicKey);
    expect(problems).toEqual([]);
    expect(checksums.size).toBe(FIXED_TREE.length + 1);
  });

  it('fails when one byte of a web file changes', () => {
    const { privateKey, publicKey } = ed25519();
    const dir = publish(privateKey);
    flipByte(path.join(dir, 'llamenos-0.0.0', 'web', 'assets', 'index-Ab12.js'));
    expect(checkPublishedRelease(dir, publicKey).problems).toEqual([
      'llamenos-0.0.0/web/assets/index-Ab12.js: differs from CHECKSUMS.txt',
    ]);
  });

  it('fails when one byte of the archive changes', () => {
    const { privateKey, publicKey } = ed25519();
    const dir = publish(privateKey);
    flipByte(path.join(dir, 'llamenos-0.0.0.tar.gz'));
    expect(checkPublishedRelease(dir, publicKey).problems).toEqual([
      'llamenos-0.0.0.tar.gz: differs from the signed provenance',
      'llamenos-0.0.0.tar.gz: differs from CHECKSUMS.txt',
    ]);
  });

  it('fails when CHECKSUMS.txt is rewritten to match a changed file', () => {
    const { privateKey, publicKey } = ed25519();
    const dir = publish(privateKey);
    const file = path.join(dir, 'llamenos-0.0.0', 'llamenos.cjs');
    flipByte(file);
    const text = readFileSync(path.join(dir, 'CHECKSUMS.txt'), 'utf8').replace(
      /^[0-9a-f]{64}(?= {2}llamenos-0\.0\.0\/llamenos\.cjs$)/m,
      sha256(readFileSync(file)),
    );
    writeFileSync(path.join(dir, 'CHECKSUMS.txt'), text);
    expect(checkPublishedRelease(dir, publicKey).problems).toEqual([
      'CHECKSUMS.txt: differs from the signed provenance',
    ]);
  });

  it('fails for a release built with uncommitted changes', () => {
    const { privateKey, publicKey } = ed25519();
    const statement = provenanceStatement({
      subjects: [['CHECKSUMS.txt', sha256('x')]],
      commit: 'd'.repeat(40),
      repository: 'https://example.invalid/llamenos.git',
      lockfileSha256: sha256('lock'),
      sourceDateEpoch: EPOCH,
      builder: { id: 'urn:test', node: 'v20', npm: '10', platform: 'linux-x64' },
      dirty: true,
    });
    const dir = publish(privateKey);
    writeFileSync(
      path.join(dir, 'llamenos-0.0.0.intoto.jsonl'),
      `${JSON.stringify(signEnvelope(statement, privateKey))}\n`,
    );
    expect(checkPublishedRelease(dir, publicKey).problems).toContain(
      'the release was built with uncommitted changes: it is not the commit it names',
    );
  });

  it('fails when the provenance is signed by another key', () => {
    const dir = publish(ed25519().privateKey);
    expect(() => checkPublishedRelease(dir, ed25519().publicKey)).toThrow(/no signature by the release key/);
  });
});
