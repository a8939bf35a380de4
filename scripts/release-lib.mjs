// The byte-exact parts of a release (scripts/release.mjs) and of its verification
// (scripts/verify-build.mjs): the archive format, CHECKSUMS.txt, and the signed provenance.
// Everything here is a pure function of its input, so the same sources give the same bytes.
import { createHash, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';

/** in-toto's media type for a Statement carried in a DSSE envelope. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** The DSSE v1 pre-authentication encoding's fixed prefix (DSSE spec, "Protocol"). */
export const DSSE_PAE_PREFIX = 'DSSEv1';
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_TYPE = 'https://slsa.dev/provenance/v1';
/** What a Llamenos release build is: `npm run release` from a git commit (docs/OPERATIONS.md). */
export const LLAMENOS_BUILD_TYPE = 'urn:llamenos:release:v1';

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// ---------------------------------------------------------------------------------------------
// The archive: POSIX ustar, entries sorted by name, owner 0/0 with no user or group names, every
// time SOURCE_DATE_EPOCH, directories 0755 and files 0644; then gzip with no name and no time.

const BLOCK = 512;

function octal(value, width) {
  // width - 1 octal digits and a NUL, as GNU tar writes them.
  const text = value.toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new Error(`tar: ${value} does not fit in ${width} bytes`);
  return `${text}\0`;
}

/** Splits a path into ustar's name (≤100 bytes) and prefix (≤155 bytes) at a slash. */
function ustarName(path) {
  const bytes = Buffer.byteLength(path);
  if (bytes <= 100) return { name: path, prefix: '' };
  for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { name, prefix };
  }
  throw new Error(`tar: the path ${path} is too long for a ustar header`);
}

function header(path, { size, mtime, directory }) {
  const block = Buffer.alloc(BLOCK);
  const { name, prefix } = ustarName(path);
  const put = (offset, text) => block.write(text, offset, 'utf8');
  put(0, name);
  put(100, octal(directory ? 0o755 : 0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(mtime, 12));
  put(148, '        '); // the checksum field counts as spaces while the checksum is computed
  put(156, directory ? '5' : '0');
  put(257, 'ustar\0');
  put(263, '00');
  put(345, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

const compareBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * A .tar.gz of `files` (archive path → bytes) with every parent directory as its own entry,
 * sorted by name, and every time set to `mtime` (seconds: SOURCE_DATE_EPOCH).
 */
export function packTarGz(files, mtime) {
  const entries = new Map();
  for (const [path, bytes] of files) {
    if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === ''))
      throw new Error(`tar: refusing the path ${path}`);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) entries.set(`${parts.slice(0, i).join('/')}/`, null);
    entries.set(path, bytes);
  }
  const chunks = [];
  for (const path of [...entries.keys()].sort(compareBytes)) {
    const bytes = entries.get(path);
    const directory = bytes === null;
    chunks.push(header(path, { size: directory ? 0 : bytes.length, mtime, directory }));
    if (!directory) {
      chunks.push(bytes);
      const pad = (BLOCK - (bytes.length % BLOCK)) % BLOCK;
      if (pad) chunks.push(Buffer.alloc(pad));
    }
  }
  chunks.push(Buffer.alloc(2 * BLOCK)); // end of archive
  // zlib's gzip header carries no file name and a zero time (what `gzip -n` writes).
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

// ---------------------------------------------------------------------------------------------
// CHECKSUMS.txt: `sha256sum` lines ("<hex>  <path>"), sorted by path, so `sha256sum -c` reads it.

/** CHECKSUMS.txt for `files` (path → bytes). */
export function checksumsText(files) {
  const lines = [...files]
    .map(([path, bytes]) => [path, sha256(bytes)])
    .sort(([a], [b]) => compareBytes(a, b))
    .map(([path, digest]) => `${digest}  ${path}\n`);
  return lines.join('');
}

const ChecksumLine = z.string().regex(/^[0-9a-f]{64} {2}[^\n]+$/, 'expected "<sha256 hex>  <path>"');

/** Parses CHECKSUMS.txt into path → hex digest; throws naming the first bad line. */
export function parseChecksums(text) {
  const digests = new Map();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, index) => {
    const parsed = ChecksumLine.safeParse(line);
    if (!parsed.success)
      throw new Error(`CHECKSUMS.txt line ${index + 1}: ${parsed.error.issues[0]?.message}`);
    const path = line.slice(66);
    if (digests.has(path)) throw new Error(`CHECKSUMS.txt line ${index + 1}: ${path} is listed twice`);
    digests.set(path, line.slice(0, 64));
  });
  return digests;
}

/** The paths whose digests differ between two parsed CHECKSUMS.txt, and those only one lists. */
export function compareChecksums(expected, actual) {
  const differences = [];
  for (const [path, digest] of expected) {
    const other = actual.get(path);
    if (other === undefined) differences.push(`${path}: missing from the rebuild`);
    else if (other !== digest) differences.push(`${path}: ${digest} published, ${other} rebuilt`);
  }
  for (const path of actual.keys()) if (!expected.has(path)) differences.push(`${path}: only in the rebuild`);
  return differences;
}

// ---------------------------------------------------------------------------------------------
// Provenance: an in-toto Statement v1 with an SLSA provenance v1 predicate, in a DSSE envelope
// signed with the Ed25519 release key.

/**
 * The Statement for a build: `subjects` (name → hex SHA-256) are the artifacts; `source` names the
 * commit and the lockfile the build resolved its dependencies from.
 */
export function provenanceStatement({
  subjects,
  commit,
  repository,
  lockfileSha256,
  sourceDateEpoch,
  builder,
  dirty = false,
}) {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [...subjects]
      .sort(([a], [b]) => compareBytes(a, b))
      .map(([name, digest]) => ({ name, digest: { sha256: digest } })),
    predicateType: SLSA_PROVENANCE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: LLAMENOS_BUILD_TYPE,
        externalParameters: {
          command: 'npm run release',
          source: { uri: repository, commit },
          sourceDateEpoch,
        },
        // A build with uncommitted changes (--allow-dirty) is not the commit's: said here and in the bundle.
        internalParameters: { node: builder.node, platform: builder.platform, uncommittedChanges: dirty },
        resolvedDependencies: [
          { uri: `git+${repository}`, digest: { gitCommit: commit } },
          { name: 'package-lock.json', digest: { sha256: lockfileSha256 } },
        ],
      },
      runDetails: {
        builder: { id: builder.id, version: { node: builder.node, npm: builder.npm } },
        metadata: { invocationId: `${commit}@${sourceDateEpoch}` },
      },
    },
  };
}

/** DSSE's pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function pae(payloadType, payload) {
  const type = Buffer.from(payloadType, 'utf8');
  const body = Buffer.from(payload);
  return Buffer.concat([
    Buffer.from(`${DSSE_PAE_PREFIX} ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${body.length} `, 'ascii'),
    body,
  ]);
}

/** The key id written in the envelope: the SHA-256 of the public key's SPKI DER encoding. */
export function keyIdOf(publicKey) {
  const key =
    publicKey instanceof KeyObject && publicKey.type === 'public' ? publicKey : createPublicKey(publicKey);
  return `sha256:${sha256(key.export({ type: 'spki', format: 'der' }))}`;
}

/** Signs `statement` with an Ed25519 private key (a KeyObject or PEM) into a DSSE envelope. */
export function signEnvelope(statement, privateKey) {
  const payload = Buffer.from(`${JSON.stringify(statement, null, 2)}\n`, 'utf8');
  const sig = sign(null, pae(IN_TOTO_PAYLOAD_TYPE, payload), privateKey);
  return {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid: keyIdOf(createPublicKey(privateKey)), sig: sig.toString('base64') }],
  };
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
const Envelope = z.object({
  payloadType: z.string(),
  payload: base64,
  signatures: z.array(z.object({ keyid: z.string().optional(), sig: base64 })).min(1),
});
const Statement = z.object({
  _type: z.literal(IN_TOTO_STATEMENT_TYPE),
  subject: z.array(
    z.object({ name: z.string(), digest: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }) }),
  ),
  predicateType: z.literal(SLSA_PROVENANCE_TYPE),
  predicate: z.object({
    buildDefinition: z.object({
      buildType: z.literal(LLAMENOS_BUILD_TYPE),
      externalParameters: z.object({
        source: z.object({ uri: z.string(), commit: z.string().regex(/^[0-9a-f]{40}$/) }),
        sourceDateEpoch: z.number().int().nonnegative(),
      }),
      internalParameters: z.object({ uncommittedChanges: z.boolean().optional() }).optional(),
    }),
  }),
});

/**
 * Checks an envelope (parsed JSON) against the release public key: the payload type, an Ed25519
 * signature over the PAE by that key, and the Statement's shape. Returns the Statement; throws
 * saying what is wrong.
 */
export function verifyEnvelope(json, publicKey) {
  const envelope = Envelope.parse(json);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw new Error(`provenance: payload type ${envelope.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`);
  const payload = Buffer.from(envelope.payload, 'base64');
  const message = pae(envelope.payloadType, payload);
  const key =
    publicKey instanceof KeyObject && publicKey.type === 'public' ? publicKey : createPublicKey(publicKey);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error('provenance: the release key is not an Ed25519 key');
  const signed = envelope.signatures.some((s) => verify(null, message, key, Buffer.from(s.sig, 'base64')));
  if (!signed) throw new Error('provenance: no signature by the release key');
  return Statement.parse(JSON.parse(payload.toString('utf8')));
}
