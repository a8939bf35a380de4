/**
 * Generates packages/crypto/test-vectors/v1.json: test vectors for every construction of
 * protocol version 1 (docs/PROTOCOL.md), computed by this package's own code.
 *
 * Run `npm run vectors` after any change to packages/crypto/src that changes an output;
 * packages/crypto/test/vectors.test.ts fails while the committed file is stale.
 *
 * Determinism. Every function of the package takes an optional `RandomSource`. Here, every
 * "random" value (secret keys, nonces, salts, ephemeral keys, auxiliary signing randomness)
 * is drawn from a named deterministic stream:
 *
 *   stream(name) = block(0) || block(1) || block(2) || ...
 *   block(i)     = SHA-256(UTF-8("llamenos-test-vectors/1/" + name) || u32be(i))
 *
 * and `fixedBytes(name, n)` is the first n bytes of stream(name). The value is then written
 * into the vector as hex, so a reader never needs to re-derive it. The functions under test
 * are handed a *scripted* source that returns exactly the listed values, in the order the
 * function asks for them, and refuses a request of an unexpected length; this documents (and
 * checks) the order in which each construction consumes randomness.
 *
 * Every negative case is executed here too: the generator stops with an error if a negative
 * case does not fail with exactly the expected CryptoErrorCode.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bech32 } from '@scure/base';
import {
  AUDIT_GENESIS_HASH,
  AUTH_SCHEME,
  AUTH_WINDOW_SECONDS,
  auditEntryHash,
  type CanonicalValue,
  CONTENT_VERSION,
  CryptoError,
  type CryptoErrorCode,
  canonicalJson,
  concat,
  createAuthHeader,
  createRequestKeyHeader,
  DEFAULT_CHUNK_LOG2,
  decodeNpub,
  decodeNsec,
  decryptBuffer,
  decryptContent,
  decryptHubEvent,
  deriveEventKey,
  deriveKey,
  deriveServerHashKey,
  deriveServerNostrKey,
  deriveServerRequestKeySecret,
  deriveServerSettingsKey,
  ENVELOPE_VERSION,
  encodeNpub,
  encodeNsec,
  encryptBuffer,
  encryptContent,
  encryptHubEvent,
  formatRecoveryKey,
  fromBase64url,
  getPublicKey,
  getPublicKeyBytes,
  HTTP_AUTH_KIND,
  hashIp,
  hashPhone,
  issueRequestKey,
  keyIdOf,
  LABEL_ATTACHMENT_STREAM,
  LABEL_AUDIT_CHAIN,
  LABEL_BROWSER_IDENTITY,
  LABEL_DRAFT_CONTENT,
  LABEL_DRAFT_KEY,
  LABEL_HUB_EVENT,
  LABEL_HUB_KEY_WRAP,
  LABEL_IP_HASH,
  LABEL_KEY_ID,
  LABEL_MESSAGE_CONTENT,
  LABEL_NOTE_CONTENT,
  LABEL_NOTE_KEY_WRAP,
  LABEL_PHONE_HASH,
  LABEL_PIN_LOCK,
  LABEL_PROVIDER_SECRET,
  LABEL_RECOVERY_CHECK,
  LABEL_RECOVERY_LOCK,
  LABEL_REPORT_CONTENT,
  LABEL_REPORT_KEY_WRAP,
  LABEL_REQUEST_KEY,
  LABEL_REQUEST_MAC,
  LABEL_SERVER_FIELD,
  LABEL_SERVER_HASH_KEY,
  LABEL_SERVER_NOSTR_KEY,
  LABEL_SERVER_REQUEST_KEY,
  LABEL_SERVER_SETTINGS_KEY,
  LABEL_SIMULATOR_CARRIER,
  LABEL_TRANSCRIPT_CONTENT,
  LABEL_TRANSCRIPT_KEY_WRAP,
  LABEL_VOICEMAIL_CONTENT,
  lengthPrefixed,
  lockWithPin,
  lockWithRecoveryKey,
  MAX_CONTENT_BYTES,
  MAX_PIN_ITERATIONS,
  MAX_PIN_LENGTH,
  MAX_READERS,
  MIN_PIN_ITERATIONS,
  MIN_PIN_LENGTH,
  type NostrEvent,
  normalizePhone,
  openAsReader,
  PIN_LOCK_LENGTH,
  PIN_LOCK_VERSION,
  PROTOCOL_SALT,
  PURPOSES,
  type PurposeName,
  paddedLength,
  parsePublicKey,
  parseRecoveryKey,
  pbkdf2Sha256,
  phoneLast4,
  pinBytes,
  type RandomSource,
  RECOVERY_LOCK_LENGTH,
  RECOVERY_LOCK_VERSION,
  REQUEST_KEY_SCHEME,
  REQUEST_KEY_SECONDS,
  requestKeyOf,
  requestMac,
  type SealedEnvelope,
  STREAM_HEADER_LENGTH,
  STREAM_VERSION,
  sealForReaders,
  sharedX,
  signEvent,
  signSchnorr,
  toBase64,
  toBase64url,
  toHex,
  u16be,
  u32be,
  unlockWithPin,
  unlockWithRecoveryKey,
  unwrapHubKey,
  unwrapKey,
  utf8,
  verifyAuditChain,
  verifyAuthHeader,
  verifyEvent,
  verifyRequestKeyHeader,
  verifySchnorr,
  WRAP_LENGTH,
  WRAP_VERSION,
  wrapForNewReader,
  wrapHubKey,
  wrapKey,
} from '../src/index.js';
import * as labelConstants from '../src/labels.js';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

const STREAM_DOMAIN = 'llamenos-test-vectors/1/';

/** The named SHA-256 counter-mode stream described at the top of this file. */
export function deterministicRandom(name: string): RandomSource {
  const seed = utf8(STREAM_DOMAIN + name);
  let block = 0;
  let buffer: Uint8Array = new Uint8Array(0);
  return (length) => {
    while (buffer.length < length) buffer = concat(buffer, sha256(concat(seed, u32be(block++))));
    const out = buffer.slice(0, length);
    buffer = buffer.slice(length);
    return out;
  };
}

/** The first `length` bytes of the named stream. */
export const fixedBytes = (name: string, length: number): Uint8Array => deterministicRandom(name)(length);

/** A RandomSource that hands out exactly `values`, in order, and checks each requested length. */
function scripted(...values: Uint8Array[]): RandomSource & { done(): void } {
  const queue = [...values];
  const source = (length: number): Uint8Array => {
    const next = queue.shift();
    if (!next) throw new Error(`scripted random: unexpected extra request of ${length} bytes`);
    if (next.length !== length)
      throw new Error(`scripted random: asked for ${length} bytes, next value has ${next.length}`);
    return next.slice();
  };
  return Object.assign(source, {
    done() {
      if (queue.length > 0) throw new Error(`scripted random: ${queue.length} value(s) left unused`);
    },
  });
}

/** Runs `fn` with a scripted source and checks that every scripted value was consumed. */
function withScript<T>(values: Uint8Array[], fn: (random: RandomSource) => T): T {
  const random = scripted(...values);
  const result = fn(random);
  random.done();
  return result;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const hex = toHex;
const b64u = toBase64url;
const bytesOf = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

/** A copy of `bytes` with byte `index` XOR `mask`. */
function flip(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const out = bytes.slice();
  out[index] = out[index]! ^ mask;
  return out;
}

/** A copy of `bytes` with byte `index` set to `value`. */
function setByte(bytes: Uint8Array, index: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[index] = value;
  return out;
}

/** Runs a negative case and returns its expected code, or throws if the code differs. */
async function expectFailure(
  name: string,
  expected: CryptoErrorCode,
  fn: () => unknown,
): Promise<CryptoErrorCode> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof CryptoError && error.code === expected) return expected;
    const got = error instanceof CryptoError ? error.code : String(error);
    throw new Error(`negative vector "${name}": expected ${expected}, got ${got}`);
  }
  throw new Error(`negative vector "${name}": expected ${expected}, but it succeeded`);
}

/**
 * Collects a section's negative vectors in order: `add(fields, code, fn)` checks that `fn`, the
 * operation on those inputs, fails with `code`, and keeps the fields followed by `expectError`.
 */
function negativeVectors() {
  const list: Array<Record<string, unknown>> = [];
  const add = async (
    fields: { name: string } & Record<string, unknown>,
    code: CryptoErrorCode,
    fn: () => unknown,
  ) => {
    list.push({ ...fields, expectError: await expectFailure(fields.name, code, fn) });
  };
  return { list, add };
}

interface TestKey {
  name: string;
  secretKey: Uint8Array;
  publicKey: string;
}

function makeKey(name: string): TestKey {
  const secretKey = fixedBytes(`key/${name}`, 32);
  if (!secp256k1.utils.isValidSecretKey(secretKey)) throw new Error(`key ${name} out of range`);
  return { name, secretKey, publicKey: getPublicKey(secretKey) };
}

// ---------------------------------------------------------------------------------------------
// Fixed inputs
// ---------------------------------------------------------------------------------------------

const KEYS = {
  author: makeKey('author'),
  admin1: makeKey('admin1'),
  admin2: makeKey('admin2'),
  newAdmin: makeKey('new-admin'),
  outsider: makeKey('outsider'),
};

/** Record ids are opaque strings to the protocol; the application uses UUIDs. */
const RECORD_A = '7d0c3a52-9b1e-4c6f-8a2d-5e4f3b2a1c0d';
const RECORD_B = 'c41f8e27-3d5a-4b9c-9e1f-0a2b3c4d5e6f';
/** 2026-01-01T00:00:00Z. */
const NOW = 1767225600;

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

function constantsSection() {
  return {
    PROTOCOL_SALT,
    WRAP_VERSION,
    WRAP_LENGTH,
    CONTENT_VERSION,
    MAX_CONTENT_BYTES,
    ENVELOPE_VERSION,
    MAX_READERS,
    STREAM_VERSION,
    STREAM_HEADER_LENGTH,
    DEFAULT_CHUNK_LOG2,
    PIN_LOCK_VERSION,
    PIN_LOCK_LENGTH,
    MIN_PIN_ITERATIONS,
    MAX_PIN_ITERATIONS,
    MIN_PIN_LENGTH,
    MAX_PIN_LENGTH,
    RECOVERY_LOCK_VERSION,
    RECOVERY_LOCK_LENGTH,
    HTTP_AUTH_KIND,
    AUTH_WINDOW_SECONDS,
    AUTH_SCHEME,
    REQUEST_KEY_SCHEME,
    REQUEST_KEY_SECONDS,
    AUDIT_GENESIS_HASH,
  };
}

async function keysSection() {
  const cases = Object.values(KEYS).map((k) => {
    const publicBytes = getPublicKeyBytes(k.secretKey);
    const fullPoint = secp256k1.getPublicKey(k.secretKey, true);
    return {
      name: k.name,
      secretKeyHex: hex(k.secretKey),
      publicKeyHex: k.publicKey,
      pointParity: fullPoint[0] === 2 ? 'even' : 'odd',
      nsec: encodeNsec(k.secretKey),
      npub: encodeNpub(k.publicKey),
      keyIdInputHex: hex(concat(lengthPrefixed(LABEL_KEY_ID), publicBytes)),
      keyIdHex: hex(keyIdOf(publicBytes)),
    };
  });

  // The smallest x (as a 32-byte big-endian integer) that is not the x-coordinate of a point.
  let notOnCurve = '';
  for (let x = 1; !notOnCurve; x++) {
    const candidate = concat(new Uint8Array(28), u32be(x));
    if (!secp256k1.utils.isValidPublicKey(concat(new Uint8Array([2]), candidate), true))
      notOnCurve = hex(candidate);
  }
  const author = KEYS.author;
  const negatives = negativeVectors();
  /** The key-text operations a negative vector names, by the name it gives. */
  const operations = { decodeNsec, decodeNpub, parsePublicKey };
  const neg = (name: string, operation: keyof typeof operations, input: string, code: CryptoErrorCode) =>
    negatives.add({ name, operation, input }, code, () => operations[operation](input));

  const npub = encodeNpub(author.publicKey);
  const nsec = encodeNsec(author.secretKey);
  const zeroNsec = bech32.encode('nsec', bech32.toWords(new Uint8Array(32)));
  await neg('npub given where an nsec is expected', 'decodeNsec', npub, 'MALFORMED');
  await neg('nsec given where an npub is expected', 'decodeNpub', nsec, 'MALFORMED');
  const badChecksum = npub.slice(0, -1) + (npub.endsWith('q') ? 'p' : 'q');
  await neg('npub with a bad bech32 checksum', 'decodeNpub', badChecksum, 'MALFORMED');
  await neg('nsec of the zero scalar', 'decodeNsec', zeroNsec, 'INVALID_KEY');
  await neg('public key x not on the curve', 'parsePublicKey', notOnCurve, 'INVALID_KEY');
  const upper = author.publicKey.toUpperCase();
  await neg('uppercase hex public key', 'parsePublicKey', upper, 'MALFORMED');
  const short = author.publicKey.slice(0, 62);
  await neg('31-byte public key', 'parsePublicKey', short, 'MALFORMED');
  return { cases, negatives: negatives.list };
}

function schnorrSection() {
  const message = sha256(utf8('llamenos test vectors: schnorr message'));
  const cases = [
    { name: 'author (odd-y point), zero aux', key: KEYS.author, aux: new Uint8Array(32) },
    { name: 'author, random aux', key: KEYS.author, aux: fixedBytes('schnorr/aux/1', 32) },
    { name: 'admin1 (even-y point), random aux', key: KEYS.admin1, aux: fixedBytes('schnorr/aux/2', 32) },
  ].map(({ name, key, aux }) => {
    const signature = withScript([aux], (random) => signSchnorr(message, key.secretKey, random));
    if (!verifySchnorr(signature, message, getPublicKeyBytes(key.secretKey))) throw new Error('schnorr');
    return {
      name,
      secretKeyHex: hex(key.secretKey),
      publicKeyHex: key.publicKey,
      messageHex: hex(message),
      auxHex: hex(aux),
      signatureHex: hex(signature),
    };
  });
  const first = cases[1]!;
  const sig = bytesOf(first.signatureHex);
  const invalid = [
    { name: 'flipped signature bit', signatureHex: hex(flip(sig, 40)), messageHex: first.messageHex },
    { name: 'other message', signatureHex: first.signatureHex, messageHex: hex(flip(message, 0)) },
    {
      name: 'other public key',
      signatureHex: first.signatureHex,
      messageHex: first.messageHex,
      publicKeyHex: KEYS.admin2.publicKey,
    },
  ].map((c) => {
    const publicKeyHex = c.publicKeyHex ?? first.publicKeyHex;
    const valid = verifySchnorr(bytesOf(c.signatureHex), bytesOf(c.messageHex), bytesOf(publicKeyHex));
    if (valid) throw new Error(`schnorr invalid case ${c.name} verified`);
    return {
      name: c.name,
      publicKeyHex,
      messageHex: c.messageHex,
      signatureHex: c.signatureHex,
      expectValid: false,
    };
  });
  return { cases, invalid };
}

/** The NIP-01 serialization whose SHA-256 is the event id. */
const serialization = (e: Omit<NostrEvent, 'id' | 'sig'>): string =>
  JSON.stringify([0, e.pubkey, e.created_at, e.kind, e.tags, e.content]);

const authHeaderOf = (event: unknown): string => `${AUTH_SCHEME} ${toBase64(utf8(JSON.stringify(event)))}`;

async function nip98Section() {
  const key = KEYS.author;
  const requests = [
    {
      name: 'POST with a JSON body',
      url: 'https://hotline.example.org/api/notes?hub=7f3e',
      method: 'POST',
      body: '{"callId":"c-102","text":"follow up"}',
      seed: 'nip98/post',
    },
    {
      name: 'GET without a body (payload is the SHA-256 of zero bytes)',
      url: 'https://hotline.example.org/api/calls/active?limit=20&after=c-100',
      method: 'GET',
      body: null,
      seed: 'nip98/get',
    },
  ];
  const cases = requests.map((r) => {
    const nonce = fixedBytes(`${r.seed}/nonce`, 16);
    const aux = fixedBytes(`${r.seed}/aux`, 32);
    const request = { url: r.url, method: r.method, ...(r.body === null ? {} : { body: r.body }) };
    const header = withScript([nonce, aux], (random) =>
      createAuthHeader(request, key.secretKey, NOW, random),
    );
    const event = JSON.parse(
      Buffer.from(header.slice(AUTH_SCHEME.length + 1), 'base64').toString('utf8'),
    ) as NostrEvent;
    const verified = verifyAuthHeader(header, request, NOW);
    return {
      name: r.name,
      secretKeyHex: hex(key.secretKey),
      publicKeyHex: key.publicKey,
      request: { url: r.url, method: r.method, body: r.body },
      createdAt: NOW,
      nonceHex: hex(nonce),
      auxHex: hex(aux),
      payloadHex: hex(sha256(utf8(r.body ?? ''))),
      serialization: serialization(event),
      event,
      eventJson: JSON.stringify(event),
      header,
      verify: [
        { now: NOW, result: verified },
        {
          now: NOW + AUTH_WINDOW_SECONDS,
          result: verifyAuthHeader(header, request, NOW + AUTH_WINDOW_SECONDS),
        },
        {
          now: NOW - AUTH_WINDOW_SECONDS,
          result: verifyAuthHeader(header, request, NOW - AUTH_WINDOW_SECONDS),
        },
      ],
    };
  });

  const post = cases[0]!;
  const postRequest = { url: post.request.url, method: post.request.method, body: post.request.body! };
  const event = post.event;
  const negatives = negativeVectors();
  const neg = (
    name: string,
    header: string,
    request: { url: string; method: string; body: string | null },
    now: number,
    code: CryptoErrorCode,
  ) => {
    const req = {
      url: request.url,
      method: request.method,
      ...(request.body === null ? {} : { body: request.body }),
    };
    return negatives.add({ name, header, request, now }, code, () => verifyAuthHeader(header, req, now));
  };
  const resign = (unsigned: { kind: number; tags: string[][]; content?: string }, seed: string) =>
    withScript([fixedBytes(seed, 32)], (random) =>
      signEvent({ created_at: NOW, content: '', ...unsigned }, key.secretKey, random),
    );

  await neg('expired: 61 s after created_at', post.header, post.request, NOW + 61, 'AUTH_EXPIRED');
  await neg('not yet valid: 61 s before created_at', post.header, post.request, NOW - 61, 'AUTH_EXPIRED');
  await neg(
    'wrong URL (other path)',
    post.header,
    { ...post.request, url: 'https://hotline.example.org/api/reports?hub=7f3e' },
    NOW,
    'AUTH_MISMATCH',
  );
  await neg(
    'wrong URL (query removed)',
    post.header,
    { ...post.request, url: 'https://hotline.example.org/api/notes' },
    NOW,
    'AUTH_MISMATCH',
  );
  await neg('wrong method', post.header, { ...post.request, method: 'PUT' }, NOW, 'AUTH_MISMATCH');
  await neg(
    'wrong body',
    post.header,
    { ...post.request, body: '{"callId":"c-102","text":"follow up!"}' },
    NOW,
    'AUTH_MISMATCH',
  );
  await neg('body dropped', post.header, { ...post.request, body: null }, NOW, 'AUTH_MISMATCH');
  await neg(
    'expired and wrong URL: the time window is checked first',
    post.header,
    { ...post.request, url: 'https://hotline.example.org/api/reports' },
    NOW + 61,
    'AUTH_EXPIRED',
  );
  await neg(
    'content altered after signing (id no longer matches)',
    authHeaderOf({ ...event, content: 'x' }),
    post.request,
    NOW,
    'AUTH_INVALID',
  );
  await neg(
    'tag altered after signing (URL swapped, id no longer matches)',
    authHeaderOf({
      ...event,
      tags: event.tags.map((t) => (t[0] === 'u' ? ['u', 'https://evil.example/'] : t)),
    }),
    { ...post.request, url: 'https://evil.example/' },
    NOW,
    'AUTH_INVALID',
  );
  await neg(
    'signature altered',
    authHeaderOf({ ...event, sig: hex(flip(bytesOf(event.sig), 63)) }),
    post.request,
    NOW,
    'AUTH_INVALID',
  );
  await neg(
    'signed by another key (pubkey replaced)',
    authHeaderOf({ ...event, pubkey: KEYS.admin1.publicKey }),
    post.request,
    NOW,
    'AUTH_INVALID',
  );
  await neg(
    'kind 1 instead of 27235 (correctly signed)',
    authHeaderOf(resign({ kind: 1, tags: event.tags }, 'nip98/neg/kind')),
    post.request,
    NOW,
    'AUTH_INVALID',
  );
  await neg(
    'nonce tag missing (correctly signed)',
    authHeaderOf(
      resign({ kind: HTTP_AUTH_KIND, tags: event.tags.filter((t) => t[0] !== 'nonce') }, 'nip98/neg/nonce'),
    ),
    post.request,
    NOW,
    'AUTH_INVALID',
  );
  await neg(
    'two u tags (correctly signed)',
    authHeaderOf(
      resign({ kind: HTTP_AUTH_KIND, tags: [['u', post.request.url], ...event.tags] }, 'nip98/neg/two-u'),
    ),
    post.request,
    NOW,
    'AUTH_INVALID',
  );
  await neg(
    'scheme Bearer instead of Nostr',
    `Bearer ${post.header.slice(6)}`,
    post.request,
    NOW,
    'AUTH_INVALID',
  );
  await neg('token is not base64 JSON', `${AUTH_SCHEME} bm90IGpzb24=`, post.request, NOW, 'AUTH_INVALID');

  const replay = {
    name: 'replay: the same header twice',
    note:
      'verifyAuthHeader is stateless: the second presentation verifies exactly like the first and returns the ' +
      'same eventId. The server must remember eventId until rememberUntil (created_at + 60) and refuse it when ' +
      'seen again; after rememberUntil the window check refuses it anyway.',
    header: post.header,
    request: post.request,
    now: NOW + 5,
    expectEventId: event.id,
    rememberUntil: NOW + AUTH_WINDOW_SECONDS,
    expectErrorAfterRememberUntil: await expectFailure('replay after window', 'AUTH_EXPIRED', () =>
      verifyAuthHeader(post.header, postRequest, NOW + AUTH_WINDOW_SECONDS + 1),
    ),
  };
  return { cases, negatives: negatives.list, replay };
}

/** The 32 random bytes a server keeps in its database for its request-key secret (Section 16). */
const REQUEST_KEY_SEED = fixedBytes('request-key/seed', 32);

/** A request-key header with each field given: how the malformed negatives below are written. */
const requestKeyHeaderOf = (keyId: string, createdAt: number | string, nonce: string, mac: string): string =>
  `${REQUEST_KEY_SCHEME} ${keyId}.${createdAt}.${nonce}.${mac}`;

async function requestKeySection() {
  const serverSecret = fixedBytes('server/secret', 32);
  const secret = deriveServerRequestKeySecret(serverSecret, REQUEST_KEY_SEED);
  const member = KEYS.author;

  // Issuing: the only random input is the key nonce at the end of the key id.
  const keyNonce = fixedBytes('request-key/issue/key-nonce', 16);
  const issued = withScript([keyNonce], (random) => issueRequestKey(secret, member.publicKey, NOW, random));
  const keyInput = concat(lengthPrefixed(LABEL_REQUEST_KEY), utf8(issued.keyId));
  if (issued.keyId !== `${member.publicKey}.${NOW + REQUEST_KEY_SECONDS}.${hex(keyNonce)}`)
    throw new Error('request key: key id form');
  if (hex(hmac(sha256, secret, keyInput)) !== hex(issued.key)) throw new Error('request key: recomputation');
  if (hex(requestKeyOf(secret, issued.keyId)) !== hex(issued.key))
    throw new Error('request key: derive again');
  const issue = {
    name: 'a key issued to the author at fixedTime',
    publicKeyHex: member.publicKey,
    now: NOW,
    keyNonceHex: hex(keyNonce),
    keyId: issued.keyId,
    expiresAt: issued.expiresAt,
    keyInputHex: hex(keyInput),
    keyHex: hex(issued.key),
    response: {
      keyId: issued.keyId,
      key: hex(issued.key),
      expiresAt: issued.expiresAt,
      expiresIn: REQUEST_KEY_SECONDS,
    },
  };

  const requests = [
    {
      name: 'GET without a body (bodySha256 is the SHA-256 of zero bytes)',
      url: 'https://hotline.example.org/api/calls/active?limit=20&after=c-100',
      method: 'GET',
      body: null,
      createdAt: NOW + 5,
      seed: 'request-key/get',
    },
    {
      name: 'POST with a JSON body',
      url: 'https://hotline.example.org/api/notes?hub=7f3e',
      method: 'POST',
      body: '{"callId":"c-102","text":"follow up"}',
      createdAt: NOW + 30,
      seed: 'request-key/post',
    },
    {
      name: "GET made in the key's last second, verified at expiresAt (accepted: the bound is inclusive)",
      url: 'https://hotline.example.org/api/me',
      method: 'get',
      body: null,
      createdAt: issued.expiresAt,
      seed: 'request-key/last-second',
    },
  ];
  const toReq = (r: { url: string; method: string; body: string | null }) => ({
    url: r.url,
    method: r.method,
    ...(r.body === null ? {} : { body: r.body }),
  });
  const cases = requests.map((r) => {
    const nonce = fixedBytes(`${r.seed}/nonce`, 16);
    const request = toReq(r);
    const header = withScript([nonce], (random) =>
      createRequestKeyHeader(request, issued, r.createdAt, random),
    );
    const bodySha256 = hex(sha256(utf8(r.body ?? '')));
    const macInput = concat(
      lengthPrefixed(LABEL_REQUEST_MAC),
      lengthPrefixed(r.method.toUpperCase()),
      lengthPrefixed(r.url),
      lengthPrefixed(bodySha256),
      lengthPrefixed(String(r.createdAt)),
      lengthPrefixed(hex(nonce)),
    );
    const mac = hmac(sha256, issued.key, macInput);
    const fields = { method: r.method, url: r.url, bodySha256, createdAt: r.createdAt, nonce: hex(nonce) };
    if (hex(requestMac(issued.key, fields)) !== hex(mac)) throw new Error(`request key ${r.name}: MAC`);
    if (header !== requestKeyHeaderOf(issued.keyId, r.createdAt, hex(nonce), hex(mac)))
      throw new Error(`request key ${r.name}: header`);
    // Verified at its own second and at both ends of the window, as far as the key lives.
    const times = [r.createdAt, r.createdAt + AUTH_WINDOW_SECONDS, r.createdAt - AUTH_WINDOW_SECONDS].filter(
      (t) => t <= issued.expiresAt,
    );
    return {
      name: r.name,
      keyId: issued.keyId,
      keyHex: hex(issued.key),
      request: { url: r.url, method: r.method, body: r.body },
      createdAt: r.createdAt,
      nonceHex: hex(nonce),
      bodySha256,
      macInputHex: hex(macInput),
      macHex: hex(mac),
      header,
      verify: times.map((now) => ({ now, result: verifyRequestKeyHeader(header, request, secret, now) })),
    };
  });

  const get = cases[0]!;
  const post = cases[1]!;
  const negatives = negativeVectors();
  const neg = (
    name: string,
    header: string,
    request: { url: string; method: string; body: string | null },
    now: number,
    code: CryptoErrorCode,
  ) =>
    negatives.add({ name, header, request, now }, code, () =>
      verifyRequestKeyHeader(header, toReq(request), secret, now),
    );
  const [pubkey, expiresAt, keyNonceHex] = issued.keyId.split('.') as [string, string, string];
  const at = post.createdAt;
  const cred = post.header.slice(REQUEST_KEY_SCHEME.length + 1);
  const withMac = (mac: string) => requestKeyHeaderOf(post.keyId, at, post.nonceHex, mac);

  // The MAC binds the key (so the key id), the method, the URL, the body, the time and the nonce.
  await neg(
    'MAC altered (last bit)',
    withMac(hex(flip(bytesOf(post.macHex), 31))),
    post.request,
    at,
    'AUTH_INVALID',
  );
  const otherPath = 'https://hotline.example.org/api/reports?hub=7f3e';
  await neg('other URL (other path)', post.header, { ...post.request, url: otherPath }, at, 'AUTH_INVALID');
  const noQuery = 'https://hotline.example.org/api/notes';
  await neg('other URL (query removed)', post.header, { ...post.request, url: noQuery }, at, 'AUTH_INVALID');
  await neg('other method', post.header, { ...post.request, method: 'PUT' }, at, 'AUTH_INVALID');
  const otherBody = '{"callId":"c-102","text":"follow up!"}';
  await neg('other body', post.header, { ...post.request, body: otherBody }, at, 'AUTH_INVALID');
  await neg('body dropped', post.header, { ...post.request, body: null }, at, 'AUTH_INVALID');
  await neg(
    'createdAt changed (MAC kept)',
    requestKeyHeaderOf(post.keyId, at + 1, post.nonceHex, post.macHex),
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg(
    'nonce changed (MAC kept)',
    requestKeyHeaderOf(post.keyId, at, hex(flip(bytesOf(post.nonceHex), 0)), post.macHex),
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg(
    "key id names another member's public key (MAC kept)",
    post.header.replace(pubkey, KEYS.admin1.publicKey),
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg(
    'key id names a later expiry (MAC kept)',
    post.header.replace(`.${expiresAt}.`, `.${Number(expiresAt) + REQUEST_KEY_SECONDS}.`),
    post.request,
    at,
    'AUTH_INVALID',
  );
  const otherSecret = deriveServerRequestKeySecret(
    fixedBytes('request-key/other-server/secret', 32),
    REQUEST_KEY_SEED,
  );
  await neg(
    "the same key id with the key of another server's secret",
    withScript([bytesOf(post.nonceHex)], (random) =>
      createRequestKeyHeader(
        toReq(post.request),
        { keyId: post.keyId, key: requestKeyOf(otherSecret, post.keyId) },
        at,
        random,
      ),
    ),
    post.request,
    at,
    'AUTH_INVALID',
  );
  const dotUrl = 'https://hotline.example.org/api/./me';
  const dotNonce = fixedBytes('request-key/dot-segment/nonce', 16);
  await neg(
    'URL with a dot segment, the MAC made for it (not canonical)',
    requestKeyHeaderOf(
      post.keyId,
      at,
      hex(dotNonce),
      hex(
        requestMac(issued.key, {
          method: 'GET',
          url: dotUrl,
          bodySha256: get.bodySha256,
          createdAt: at,
          nonce: hex(dotNonce),
        }),
      ),
    ),
    { url: dotUrl, method: 'GET', body: null },
    at,
    'AUTH_INVALID',
  );

  // Time: the key's expiry (server clock), then the ±60 s window of the request.
  const late = issued.expiresAt + 1;
  const lateNonce = fixedBytes('request-key/expired/nonce', 16);
  const lateHeader = withScript([lateNonce], (random) =>
    createRequestKeyHeader(toReq(get.request), issued, late, random),
  );
  await neg('key expired: made and verified at expiresAt + 1', lateHeader, get.request, late, 'AUTH_EXPIRED');
  await neg(
    'outside the window: verified 61 s after createdAt',
    post.header,
    post.request,
    at + AUTH_WINDOW_SECONDS + 1,
    'AUTH_EXPIRED',
  );
  await neg(
    'outside the window: verified 61 s before createdAt',
    post.header,
    post.request,
    at - AUTH_WINDOW_SECONDS - 1,
    'AUTH_EXPIRED',
  );
  await neg(
    'stale and for another URL: the MAC is checked before the time (unlike NIP-98)',
    post.header,
    { ...post.request, url: otherPath },
    at + AUTH_WINDOW_SECONDS + 1,
    'AUTH_INVALID',
  );

  // Form: lowercase hex of exact lengths, decimals without a leading zero, six fields, one space.
  await neg('MAC in upper-case hex', withMac(post.macHex.toUpperCase()), post.request, at, 'AUTH_INVALID');
  await neg(
    'public key in upper-case hex',
    post.header.replace(pubkey, pubkey.toUpperCase()),
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg(
    'nonce in upper-case hex',
    requestKeyHeaderOf(post.keyId, at, post.nonceHex.toUpperCase(), post.macHex),
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg(
    'leading zero in createdAt',
    requestKeyHeaderOf(post.keyId, `0${at}`, post.nonceHex, post.macHex),
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg(
    'leading zero in expiresAt',
    post.header.replace(`.${expiresAt}.`, `.0${expiresAt}.`),
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg(
    'createdAt of 13 digits',
    requestKeyHeaderOf(post.keyId, `1${'0'.repeat(12)}`, post.nonceHex, post.macHex),
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg(
    'nonce missing (five fields)',
    `${REQUEST_KEY_SCHEME} ${post.keyId}.${at}.${post.macHex}`,
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg(
    'key nonce missing from the key id',
    post.header.replace(`.${keyNonceHex}.`, '.'),
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg('a seventh field after the MAC', `${post.header}.00`, post.request, at, 'AUTH_INVALID');
  await neg(
    'nonce of 15 bytes',
    requestKeyHeaderOf(post.keyId, at, post.nonceHex.slice(2), post.macHex),
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg('trailing space', `${post.header} `, post.request, at, 'AUTH_INVALID');
  await neg(
    'two spaces after the scheme',
    `${REQUEST_KEY_SCHEME}  ${cred}`,
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg('scheme in lower case', `llamenos-key ${cred}`, post.request, at, 'AUTH_INVALID');
  await neg(
    'scheme Nostr with a request-key credential',
    `${AUTH_SCHEME} ${cred}`,
    post.request,
    at,
    'AUTH_INVALID',
  );
  await neg(
    'scheme Bearer with a request-key credential',
    `Bearer ${cred}`,
    post.request,
    at,
    'AUTH_INVALID',
  );

  const replay = {
    name: 'replay: the same header twice',
    note:
      'verifyRequestKeyHeader is stateless: the second presentation verifies exactly like the first and returns ' +
      'the same eventId, which is the MAC in hex. The server keeps it in the same replay cache as NIP-98 event ids ' +
      'until rememberUntil (createdAt + 60) and refuses it when seen again; after rememberUntil the window check ' +
      'refuses it anyway.',
    header: post.header,
    request: post.request,
    now: at + 5,
    expectEventId: post.macHex,
    rememberUntil: at + AUTH_WINDOW_SECONDS,
    expectErrorAfterRememberUntil: await expectFailure(
      'request key replay after window',
      'AUTH_EXPIRED',
      () => verifyRequestKeyHeader(post.header, toReq(post.request), secret, at + AUTH_WINDOW_SECONDS + 1),
    ),
  };
  return {
    note:
      'Section 5.4. requestKeySecretHex is deriveKey(serverKeys.secretHex || serverKeys.requestKeySeedHex, LABEL_SERVER_REQUEST_KEY). Every ' +
      'negative is verifyRequestKeyHeader(header, request, requestKeySecretHex, now).',
    requestKeySecretHex: hex(secret),
    issue,
    cases,
    negatives: negatives.list,
    replay,
  };
}

/** One ECIES wrap with every intermediate value. */
function wrapVector(
  name: string,
  key: Uint8Array,
  recipient: TestKey,
  label: string,
  recordId: string,
  seed: string,
) {
  const ephemeralSecret = fixedBytes(`${seed}/ephemeral`, 32);
  const nonce = fixedBytes(`${seed}/nonce`, 24);
  const wrap = withScript([ephemeralSecret, nonce], (random) =>
    wrapKey(key, recipient.publicKey, { label, recordId }, random),
  );
  const ephemeralPublic = secp256k1.getPublicKey(ephemeralSecret, true);
  const shared = sharedX(ephemeralSecret, bytesOf(recipient.publicKey));
  const kek = deriveKey(shared, label);
  const aad = concat(
    new Uint8Array([WRAP_VERSION]),
    lengthPrefixed(label),
    lengthPrefixed(recordId),
    ephemeralPublic,
    bytesOf(recipient.publicKey),
  );
  const sealed = xchacha20poly1305(kek, nonce, aad).encrypt(key);
  if (hex(wrap) !== hex(concat(new Uint8Array([WRAP_VERSION]), ephemeralPublic, nonce, sealed)))
    throw new Error(`wrap vector ${name}: step-by-step recomputation differs`);
  return {
    name,
    keyHex: hex(key),
    recipientPublicKeyHex: recipient.publicKey,
    recipientSecretKeyHex: hex(recipient.secretKey),
    label,
    recordId,
    ephemeralSecretHex: hex(ephemeralSecret),
    ephemeralPublicKeyHex: hex(ephemeralPublic),
    nonceHex: hex(nonce),
    sharedXHex: hex(shared),
    kekHex: hex(kek),
    aadHex: hex(aad),
    sealedHex: hex(sealed),
    wrapHex: hex(wrap),
    wrapBase64url: b64u(wrap),
  };
}

async function eciesSection() {
  const cases = [
    wrapVector(
      'note key for the author',
      fixedBytes('ecies/key/1', 32),
      KEYS.author,
      LABEL_NOTE_KEY_WRAP,
      RECORD_A,
      'ecies/1',
    ),
    wrapVector(
      'transcript key for admin1',
      fixedBytes('ecies/key/2', 32),
      KEYS.admin1,
      LABEL_TRANSCRIPT_KEY_WRAP,
      RECORD_B,
      'ecies/2',
    ),
  ];
  const base = cases[0]!;
  const wrap = bytesOf(base.wrapHex);
  const good = {
    wrapHex: base.wrapHex,
    secretKeyHex: base.recipientSecretKeyHex,
    label: base.label,
    recordId: base.recordId,
  };
  const negatives = negativeVectors();
  /** The first case with `changes`, which must make unwrapping fail with `code`. */
  const neg = (name: string, changes: Partial<typeof good>, code: CryptoErrorCode) => {
    const c = { ...good, ...changes };
    return negatives.add({ name, ...c }, code, () =>
      unwrapKey(bytesOf(c.wrapHex), bytesOf(c.secretKeyHex), { label: c.label, recordId: c.recordId }),
    );
  };
  await neg('wrong recipient', { secretKeyHex: hex(KEYS.outsider.secretKey) }, 'DECRYPT_FAILED');
  await neg('wrong label (report instead of note)', { label: LABEL_REPORT_KEY_WRAP }, 'DECRYPT_FAILED');
  await neg('wrong record id', { recordId: RECORD_B }, 'DECRYPT_FAILED');
  await neg('version byte 2', { wrapHex: hex(setByte(wrap, 0, 2)) }, 'UNSUPPORTED_VERSION');
  await neg('version byte 0', { wrapHex: hex(setByte(wrap, 0, 0)) }, 'UNSUPPORTED_VERSION');
  await neg(
    'one byte, version 2: the version is read before the length',
    { wrapHex: '02' },
    'UNSUPPORTED_VERSION',
  );
  await neg('tampered byte in the sealed key', { wrapHex: hex(flip(wrap, 70)) }, 'DECRYPT_FAILED');
  await neg('tampered byte in the nonce', { wrapHex: hex(flip(wrap, 40)) }, 'DECRYPT_FAILED');
  await neg('tampered tag (last byte)', { wrapHex: hex(flip(wrap, WRAP_LENGTH - 1)) }, 'DECRYPT_FAILED');
  await neg('ephemeral key prefix 0x05 (not a point)', { wrapHex: hex(setByte(wrap, 1, 5)) }, 'MALFORMED');
  await neg('one byte short', { wrapHex: hex(wrap.subarray(0, WRAP_LENGTH - 1)) }, 'MALFORMED');
  await neg('one byte too long', { wrapHex: hex(concat(wrap, new Uint8Array(1))) }, 'MALFORMED');
  await neg('empty', { wrapHex: '' }, 'MALFORMED');
  await neg('recipient secret key zero', { secretKeyHex: '00'.repeat(32) }, 'INVALID_KEY');
  return { cases, negatives: negatives.list };
}

/** One content encryption with the padded plaintext and AAD. */
function contentVector(
  name: string,
  key: Uint8Array,
  label: string,
  recordId: string,
  plaintext: string,
  seed: string,
) {
  const nonce = fixedBytes(`${seed}/nonce`, 24);
  const blob = withScript([nonce], (random) =>
    encryptContent(key, utf8(plaintext), { label, recordId }, random),
  );
  const bytes = utf8(plaintext);
  const padded = new Uint8Array(4 + paddedLength(bytes.length));
  padded.set(u32be(bytes.length), 0);
  padded.set(bytes, 4);
  const aad = concat(new Uint8Array([CONTENT_VERSION]), lengthPrefixed(label), lengthPrefixed(recordId));
  const recomputed = concat(
    new Uint8Array([CONTENT_VERSION]),
    nonce,
    xchacha20poly1305(key, nonce, aad).encrypt(padded),
  );
  if (hex(recomputed) !== hex(blob))
    throw new Error(`content vector ${name}: step-by-step recomputation differs`);
  return {
    name,
    keyHex: hex(key),
    label,
    recordId,
    plaintext,
    plaintextHex: hex(bytes),
    nonceHex: hex(nonce),
    paddedPlaintextHex: hex(padded),
    aadHex: hex(aad),
    blobHex: hex(blob),
    blobBase64url: b64u(blob),
  };
}

async function contentSection() {
  const key = fixedBytes('content/key', 32);
  const cases = [
    contentVector(
      'note',
      key,
      LABEL_NOTE_CONTENT,
      RECORD_A,
      'Caller is safe tonight. Follow up tomorrow 10:00 — María.',
      'content/1',
    ),
    contentVector('empty message', key, LABEL_MESSAGE_CONTENT, RECORD_B, '', 'content/2'),
    contentVector(
      '300-byte transcript (pads to 320)',
      key,
      LABEL_TRANSCRIPT_CONTENT,
      RECORD_A,
      'Transcript line. '.repeat(18).slice(0, 300),
      'content/3',
    ),
  ];
  const base = cases[0]!;
  const blob = bytesOf(base.blobHex);
  const aad = bytesOf(base.aadHex);
  const nonce = bytesOf(base.nonceHex);
  const sealRaw = (padded: Uint8Array) =>
    concat(new Uint8Array([CONTENT_VERSION]), nonce, xchacha20poly1305(key, nonce, aad).encrypt(padded));
  const goodPadded = bytesOf(base.paddedPlaintextHex);

  const good = { keyHex: base.keyHex, label: base.label, recordId: base.recordId, blobHex: base.blobHex };
  const negatives = negativeVectors();
  /** The first case with `changes`, which must make decryption fail with `code`. */
  const neg = (name: string, changes: Partial<typeof good>, code: CryptoErrorCode) => {
    const c = { ...good, ...changes };
    return negatives.add({ name, ...c }, code, () =>
      decryptContent(bytesOf(c.keyHex), bytesOf(c.blobHex), { label: c.label, recordId: c.recordId }),
    );
  };
  await neg('wrong key', { keyHex: hex(flip(key, 0)) }, 'DECRYPT_FAILED');
  await neg('wrong label (report instead of note)', { label: LABEL_REPORT_CONTENT }, 'DECRYPT_FAILED');
  await neg('wrong record id', { recordId: RECORD_B }, 'DECRYPT_FAILED');
  await neg('version byte 2', { blobHex: hex(setByte(blob, 0, 2)) }, 'UNSUPPORTED_VERSION');
  await neg(
    'one byte, version 2: the version is read before the length',
    { blobHex: '02' },
    'UNSUPPORTED_VERSION',
  );
  await neg('tampered ciphertext byte', { blobHex: hex(flip(blob, 30)) }, 'DECRYPT_FAILED');
  await neg('tampered nonce byte', { blobHex: hex(flip(blob, 1)) }, 'DECRYPT_FAILED');
  await neg('tampered tag (last byte)', { blobHex: hex(flip(blob, blob.length - 1)) }, 'DECRYPT_FAILED');
  await neg('last 16 bytes dropped', { blobHex: hex(blob.subarray(0, blob.length - 16)) }, 'DECRYPT_FAILED');
  await neg(
    '76 bytes: shorter than the smallest blob (77)',
    { blobHex: hex(blob.subarray(0, 76)) },
    'MALFORMED',
  );
  await neg('empty', { blobHex: '' }, 'MALFORMED');
  await neg('key of 31 bytes', { keyHex: hex(key.subarray(0, 31)) }, 'INVALID_KEY');
  await neg(
    'authentic, but a padding byte is not zero',
    { blobHex: hex(sealRaw(setByte(goodPadded, goodPadded.length - 1, 1))) },
    'MALFORMED',
  );
  await neg(
    'authentic, but the length prefix disagrees with the padded size',
    { blobHex: hex(sealRaw(concat(u32be(200), goodPadded.subarray(4)))) },
    'MALFORMED',
  );
  return { cases, negatives: negatives.list };
}

function paddingSection() {
  const sizes = [
    0,
    1,
    31,
    32,
    33,
    63,
    64,
    65,
    100,
    255,
    256,
    257,
    300,
    511,
    512,
    513,
    1000,
    1024,
    1025,
    4096,
    4097,
    65536,
    100000,
    1048577,
    MAX_CONTENT_BYTES,
  ];
  return {
    formula:
      'n <= 32: 32; otherwise P = smallest power of two >= n, step = 32 if P <= 256 else P / 8, result = ceil(n / step) * step',
    table: sizes.map((n) => ({
      n,
      paddedLength: paddedLength(n),
      sealedBlobLength: 1 + 24 + 4 + paddedLength(n) + 16,
    })),
  };
}

function sealWithScript(
  plaintext: string,
  readers: TestKey[],
  purpose: PurposeName,
  recordId: string,
  seed: string,
) {
  const objectKey = fixedBytes(`${seed}/object-key`, 32);
  const contentNonce = fixedBytes(`${seed}/content-nonce`, 24);
  const perReader = readers.map((r) => ({
    reader: r.publicKey,
    ephemeralSecretHex: hex(fixedBytes(`${seed}/wrap/${r.name}/ephemeral`, 32)),
    nonceHex: hex(fixedBytes(`${seed}/wrap/${r.name}/nonce`, 24)),
  }));
  const script = [
    objectKey,
    contentNonce,
    ...perReader.flatMap((w) => [bytesOf(w.ephemeralSecretHex), bytesOf(w.nonceHex)]),
  ];
  const envelope = withScript(script, (random) =>
    sealForReaders(
      utf8(plaintext),
      readers.map((r) => r.publicKey),
      { purpose: PURPOSES[purpose], recordId },
      random,
    ),
  );
  return {
    purpose,
    contentLabel: PURPOSES[purpose].content,
    wrapLabel: PURPOSES[purpose].wrap,
    recordId,
    plaintext,
    readers: readers.map((r) => ({
      name: r.name,
      publicKeyHex: r.publicKey,
      secretKeyHex: hex(r.secretKey),
    })),
    randomness: { objectKeyHex: hex(objectKey), contentNonceHex: hex(contentNonce), wraps: perReader },
    envelope,
  };
}

async function readersSection() {
  const readers = [KEYS.author, KEYS.admin1, KEYS.admin2];
  const plaintext = 'Caller asked about shelter options; gave the number of the night line.';
  const sealed = sealWithScript(plaintext, readers, 'note', RECORD_A, 'readers/a');
  const other = sealWithScript('A different note.', readers, 'note', RECORD_B, 'readers/b');
  for (const r of readers) {
    const opened = openAsReader(sealed.envelope, r.secretKey, { purpose: PURPOSES.note, recordId: RECORD_A });
    if (new TextDecoder().decode(opened) !== plaintext) throw new Error('readers: open failed');
  }

  const grantEphemeral = fixedBytes('readers/grant/ephemeral', 32);
  const grantNonce = fixedBytes('readers/grant/nonce', 24);
  const grantedWrap = withScript([grantEphemeral, grantNonce], (random) =>
    wrapForNewReader(
      sealed.envelope,
      KEYS.admin1.secretKey,
      KEYS.newAdmin.publicKey,
      { purpose: PURPOSES.note, recordId: RECORD_A },
      random,
    ),
  );
  const grant = {
    note: 'admin1 unwraps the object key and wraps it for newAdmin; the ciphertext is unchanged and the new wrap is appended to wraps.',
    grantorSecretKeyHex: hex(KEYS.admin1.secretKey),
    newReader: {
      name: KEYS.newAdmin.name,
      publicKeyHex: KEYS.newAdmin.publicKey,
      secretKeyHex: hex(KEYS.newAdmin.secretKey),
    },
    ephemeralSecretHex: hex(grantEphemeral),
    nonceHex: hex(grantNonce),
    wrap: grantedWrap,
  };

  const negatives = negativeVectors();
  const neg = (
    name: string,
    envelope: SealedEnvelope,
    reader: TestKey,
    ctx: { purpose: PurposeName; recordId: string },
    code: CryptoErrorCode,
  ) =>
    negatives.add({ name, envelope, secretKeyHex: hex(reader.secretKey), ...ctx }, code, () =>
      openAsReader(envelope, reader.secretKey, { purpose: PURPOSES[ctx.purpose], recordId: ctx.recordId }),
    );
  const a = sealed.envelope;
  const b = other.envelope;
  await neg('not a reader', a, KEYS.outsider, { purpose: 'note', recordId: RECORD_A }, 'DECRYPT_FAILED');
  await neg(
    "admin1's wrap moved from record A into record B's envelope",
    { ...b, wraps: b.wraps.map((w, i) => (i === 1 ? a.wraps[1]! : w)) },
    KEYS.admin1,
    { purpose: 'note', recordId: RECORD_B },
    'DECRYPT_FAILED',
  );
  await neg(
    "record A's ciphertext moved into record B's envelope",
    { ...b, ciphertext: a.ciphertext },
    KEYS.author,
    { purpose: 'note', recordId: RECORD_B },
    'DECRYPT_FAILED',
  );
  await neg(
    "admin2's wrap listed under admin1's key",
    { ...a, wraps: [a.wraps[0]!, { reader: a.wraps[1]!.reader, wrap: a.wraps[2]!.wrap }, a.wraps[2]!] },
    KEYS.admin1,
    { purpose: 'note', recordId: RECORD_A },
    'DECRYPT_FAILED',
  );
  await neg(
    'opened as a report instead of a note',
    a,
    KEYS.author,
    { purpose: 'report', recordId: RECORD_A },
    'DECRYPT_FAILED',
  );
  await neg(
    'envelope version 2',
    { ...a, v: 2 as unknown as 1 },
    KEYS.author,
    { purpose: 'note', recordId: RECORD_A },
    'UNSUPPORTED_VERSION',
  );
  await neg(
    'wrap is not base64url',
    { ...a, wraps: [{ reader: a.wraps[0]!.reader, wrap: `${a.wraps[0]!.wrap.slice(1)}+` }] },
    KEYS.author,
    { purpose: 'note', recordId: RECORD_A },
    'MALFORMED',
  );
  return { recordA: sealed, recordB: other, grant, negatives: negatives.list };
}

async function hubKeySection() {
  const hubKey = fixedBytes('hub/key', 32);
  const hubKeyId = '3b8e1f20-6a4d-4c1e-b7a9-0f2e3d4c5b6a';
  const member = KEYS.admin2;
  const wrap = wrapVector('hub key for admin2', hubKey, member, LABEL_HUB_KEY_WRAP, hubKeyId, 'hub/wrap');
  const direct = withScript([bytesOf(wrap.ephemeralSecretHex), bytesOf(wrap.nonceHex)], (random) =>
    wrapHubKey(hubKey, member.publicKey, hubKeyId, random),
  );
  if (hex(direct) !== wrap.wrapHex) throw new Error('hub key wrap differs from wrapKey');
  const eventKey = deriveEventKey(hubKey);
  const payloadJson = '{"type":"call.ringing","callId":"c-102","last4":"4477"}';
  const nonce = fixedBytes('hub/event/nonce', 24);
  const content = withScript([nonce], (random) => encryptHubEvent(eventKey, payloadJson, random));
  const aad = concat(new Uint8Array([CONTENT_VERSION]), lengthPrefixed(LABEL_HUB_EVENT), lengthPrefixed(''));

  const serverKey = deriveServerNostrKey(fixedBytes('server/secret', 32));
  const aux = fixedBytes('hub/event/aux', 32);
  const nostrEvent = withScript([aux], (random) =>
    signEvent({ kind: 20001, created_at: NOW, tags: [['t', 'llamenos:event']], content }, serverKey, random),
  );
  if (!verifyEvent(nostrEvent)) throw new Error('hub event');

  const otherHubKey = fixedBytes('hub/key/next-epoch', 32);
  const negatives = negativeVectors();
  const wrapNeg = (name: string, reader: TestKey, id: string) =>
    negatives.add(
      {
        name,
        operation: 'unwrapHubKey',
        wrapHex: wrap.wrapHex,
        secretKeyHex: hex(reader.secretKey),
        hubKeyId: id,
      },
      'DECRYPT_FAILED',
      () => unwrapHubKey(bytesOf(wrap.wrapHex), reader.secretKey, id),
    );
  await wrapNeg(
    'hub key wrap opened under another hub key id',
    member,
    '9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f',
  );
  await wrapNeg('hub key wrap opened by a non-member', KEYS.outsider, hubKeyId);
  const eventNeg = (name: string, keyHex: string, c: string, code: CryptoErrorCode) =>
    negatives.add({ name, operation: 'decryptHubEvent', eventKeyHex: keyHex, content: c }, code, () =>
      decryptHubEvent(bytesOf(keyHex), c),
    );
  await eventNeg(
    'event key of the next hub key epoch',
    hex(deriveEventKey(otherHubKey)),
    content,
    'DECRYPT_FAILED',
  );
  await eventNeg(
    'hub key used directly instead of the derived event key',
    hex(hubKey),
    content,
    'DECRYPT_FAILED',
  );
  const asNote = withScript([nonce], (random) =>
    toBase64url(
      encryptContent(eventKey, utf8(payloadJson), { label: LABEL_NOTE_CONTENT, recordId: '' }, random),
    ),
  );
  await eventNeg('content sealed with the note label', hex(eventKey), asNote, 'DECRYPT_FAILED');
  const withRecord = withScript([nonce], (random) =>
    toBase64url(
      encryptContent(eventKey, utf8(payloadJson), { label: LABEL_HUB_EVENT, recordId: 'c-102' }, random),
    ),
  );
  await eventNeg('content sealed with a non-empty record id', hex(eventKey), withRecord, 'DECRYPT_FAILED');
  await eventNeg('content with padding characters', hex(eventKey), `${content}=`, 'MALFORMED');

  return {
    hubKeyHex: hex(hubKey),
    hubKeyId,
    wrap,
    eventKeyHex: hex(eventKey),
    event: {
      payloadJson,
      nonceHex: hex(nonce),
      aadHex: hex(aad),
      content,
      contentHex: hex(fromBase64url(content)),
    },
    nostrEvent: {
      note: 'An example kind-20001 event carrying the content above, signed by the server key of serverKeys.',
      serialization: serialization(nostrEvent),
      auxHex: hex(aux),
      event: nostrEvent,
    },
    negatives: negatives.list,
  };
}

async function streamSection() {
  const key = fixedBytes('stream/key', 32);
  const ctx = { label: LABEL_ATTACHMENT_STREAM, recordId: RECORD_A };
  const chunkLog2 = 10;
  const chunkSize = 2 ** chunkLog2;
  const plaintext = Uint8Array.from({ length: 2500 }, (_, i) => i % 251);

  const encrypt = (data: Uint8Array, seed: string, c = ctx) => {
    const prefix = fixedBytes(`${seed}/prefix`, 19);
    const blob = withScript([prefix], (random) => encryptBuffer(key, data, c, chunkLog2, random));
    return { prefix, blob };
  };
  const { prefix, blob } = encrypt(plaintext, 'stream/file');
  const header = blob.subarray(0, STREAM_HEADER_LENGTH);
  const aad = concat(header, lengthPrefixed(ctx.label), lengthPrefixed(ctx.recordId));
  const chunks: Array<{
    index: number;
    last: boolean;
    plaintextLength: number;
    nonceHex: string;
    sealedHex: string;
  }> = [];
  let offset = STREAM_HEADER_LENGTH;
  for (let index = 0, pos = 0; pos < plaintext.length || index === 0; index++) {
    const length = Math.min(chunkSize, plaintext.length - pos);
    const last = pos + length >= plaintext.length;
    const nonce = concat(prefix, u32be(index), new Uint8Array([last ? 1 : 0]));
    const sealed = blob.subarray(offset, offset + length + 16);
    const check = xchacha20poly1305(key, nonce, aad).encrypt(plaintext.subarray(pos, pos + length));
    if (hex(check) !== hex(sealed))
      throw new Error(`stream chunk ${index}: step-by-step recomputation differs`);
    chunks.push({ index, last, plaintextLength: length, nonceHex: hex(nonce), sealedHex: hex(sealed) });
    offset += length + 16;
    pos += length;
  }
  if (offset !== blob.length || chunks.length !== 3) throw new Error('stream layout');

  const file = {
    name: '2500-byte file, 1 KiB chunks',
    keyHex: hex(key),
    label: ctx.label,
    recordId: ctx.recordId,
    chunkLog2,
    plaintextRule: 'byte i = i mod 251',
    plaintextLength: plaintext.length,
    plaintextHex: hex(plaintext),
    noncePrefixHex: hex(prefix),
    headerHex: hex(header),
    aadHex: hex(aad),
    chunks,
    blobHex: hex(blob),
  };

  const small = [
    { name: 'empty file: one empty final chunk', data: new Uint8Array(0), seed: 'stream/empty' },
    {
      name: 'exactly two chunks: the second is full and final',
      data: plaintext.subarray(0, 2 * chunkSize),
      seed: 'stream/exact',
    },
  ].map(({ name, data, seed }) => {
    const r = encrypt(data, seed);
    return {
      name,
      keyHex: hex(key),
      label: ctx.label,
      recordId: ctx.recordId,
      chunkLog2,
      plaintextHex: hex(data),
      noncePrefixHex: hex(r.prefix),
      blobHex: hex(r.blob),
    };
  });

  const other = encrypt(plaintext, 'stream/other-file');
  const c = chunks.map((x) => bytesOf(x.sealedHex));
  const otherChunk1 = other.blob.subarray(
    STREAM_HEADER_LENGTH + chunkSize + 16,
    STREAM_HEADER_LENGTH + 2 * (chunkSize + 16),
  );

  const negatives = negativeVectors();
  const neg = (
    name: string,
    bytes: Uint8Array,
    code: CryptoErrorCode,
    input: { label?: string; recordId?: string } = {},
  ) => {
    const label = input.label ?? ctx.label;
    const recordId = input.recordId ?? ctx.recordId;
    return negatives.add({ name, keyHex: hex(key), label, recordId, blobHex: hex(bytes) }, code, () =>
      decryptBuffer(key, bytes, { label, recordId }),
    );
  };
  await neg('truncated: last chunk dropped', concat(header, c[0]!, c[1]!), 'TRUNCATED');
  await neg('truncated: last 10 bytes dropped', blob.subarray(0, blob.length - 10), 'TRUNCATED');
  await neg('truncated: header only', header, 'TRUNCATED');
  await neg('truncated: inside the header', header.subarray(0, 10), 'TRUNCATED');
  await neg('empty input', new Uint8Array(0), 'MALFORMED');
  await neg(
    'one byte, version 2: the version is read before the length',
    new Uint8Array([2]),
    'UNSUPPORTED_VERSION',
  );
  await neg('reordered: chunks 0 and 1 swapped', concat(header, c[1]!, c[0]!, c[2]!), 'DECRYPT_FAILED');
  await neg(
    'chunk 1 spliced from another file (same key and record, other nonce prefix)',
    concat(header, c[0]!, otherChunk1, c[2]!),
    'DECRYPT_FAILED',
  );
  await neg('flipped byte in chunk 1', concat(header, c[0]!, flip(c[1]!, 100), c[2]!), 'DECRYPT_FAILED');
  await neg(
    'flipped byte in the final chunk (reported as TRUNCATED: the final chunk did not authenticate)',
    concat(header, c[0]!, c[1]!, flip(c[2]!, 5)),
    'TRUNCATED',
  );
  await neg(
    'flipped byte in the nonce prefix',
    concat(flip(header, 10), c[0]!, c[1]!, c[2]!),
    'DECRYPT_FAILED',
  );
  await neg(
    'header chunk size changed to 2^11',
    concat(setByte(header, 1, 11), c[0]!, c[1]!, c[2]!),
    'DECRYPT_FAILED',
  );
  await neg(
    'header chunk size 2^9 (below the minimum)',
    concat(setByte(header, 1, 9), c[0]!, c[1]!, c[2]!),
    'MALFORMED',
  );
  await neg(
    'header version byte 2',
    concat(setByte(header, 0, 2), c[0]!, c[1]!, c[2]!),
    'UNSUPPORTED_VERSION',
  );
  await neg('wrong record id', blob, 'DECRYPT_FAILED', { recordId: RECORD_B });
  await neg('wrong label', blob, 'DECRYPT_FAILED', { label: LABEL_NOTE_CONTENT });
  await neg(
    'final chunk duplicated at the end (extra data after the final chunk)',
    concat(blob, c[2]!),
    'TRUNCATED',
  );

  return {
    file,
    small,
    otherFile: { noncePrefixHex: hex(other.prefix), blobHex: hex(other.blob) },
    negatives: negatives.list,
  };
}

async function pinLockSection() {
  const secretKey = KEYS.author.secretKey;
  const pin = '482915';
  const iterations = MIN_PIN_ITERATIONS;
  const salt = fixedBytes('pin/salt', 16);
  const nonce = fixedBytes('pin/nonce', 24);
  const random = scripted(salt, nonce);
  const blob = await lockWithPin(secretKey, pin, { iterations, random });
  random.done();
  const keyId = keyIdOf(getPublicKeyBytes(secretKey));
  const head = concat(new Uint8Array([PIN_LOCK_VERSION]), u32be(iterations), salt, keyId);
  const kek = await pbkdf2Sha256(pinBytes(pin), salt, iterations);
  const aad = concat(lengthPrefixed(LABEL_PIN_LOCK), head);
  const sealed = xchacha20poly1305(kek, nonce, aad).encrypt(secretKey);
  if (hex(concat(head, nonce, sealed)) !== hex(blob))
    throw new Error('PIN lock: step-by-step recomputation differs');

  const fullwidth = '\uff14\uff18\uff12\uff19\uff11\uff15';
  const unlocked = await unlockWithPin(blob, fullwidth);
  if (hex(unlocked) !== hex(secretKey)) throw new Error('PIN lock: NFKC');

  // A lock made by hand for admin1's key whose head claims the author's key id: it opens,
  // and only the key id check catches it.
  const forgedHead = head;
  const forged = concat(
    forgedHead,
    nonce,
    xchacha20poly1305(kek, nonce, concat(lengthPrefixed(LABEL_PIN_LOCK), forgedHead)).encrypt(
      KEYS.admin1.secretKey,
    ),
  );

  const negatives = negativeVectors();
  const neg = (name: string, bytes: Uint8Array, p: string, code: CryptoErrorCode) =>
    negatives.add({ name, blobHex: hex(bytes), pin: p }, code, () => unlockWithPin(bytes, p));
  await neg('wrong PIN', blob, '482916', 'WRONG_PIN');
  await neg('tampered key id in the head', flip(blob, 30), pin, 'WRONG_PIN');
  await neg('tampered sealed key', flip(blob, 80), pin, 'WRONG_PIN');
  await neg(
    'iterations lowered to 100000',
    concat(blob.subarray(0, 1), u32be(100_000), blob.subarray(5)),
    pin,
    'MALFORMED',
  );
  await neg(
    'iterations raised above the maximum',
    concat(blob.subarray(0, 1), u32be(MAX_PIN_ITERATIONS + 1), blob.subarray(5)),
    pin,
    'MALFORMED',
  );
  await neg('version byte 2', setByte(blob, 0, 2), pin, 'UNSUPPORTED_VERSION');
  await neg(
    'one byte, version 2: the version is read before the length',
    new Uint8Array([2]),
    pin,
    'UNSUPPORTED_VERSION',
  );
  await neg('one byte short', blob.subarray(0, PIN_LOCK_LENGTH - 1), pin, 'MALFORMED');
  await neg('PIN of 3 characters', blob, '482', 'MALFORMED');
  await neg('authentic lock whose key id names another key', forged, pin, 'MALFORMED');

  return {
    secretKeyHex: hex(secretKey),
    publicKeyHex: KEYS.author.publicKey,
    pin,
    pinUtf8Hex: hex(pinBytes(pin)),
    iterations,
    saltHex: hex(salt),
    nonceHex: hex(nonce),
    keyIdHex: hex(keyId),
    headHex: hex(head),
    kekHex: hex(kek),
    aadHex: hex(aad),
    blobHex: hex(blob),
    blobBase64url: b64u(blob),
    equivalentPins: [{ pin: fullwidth, note: 'fullwidth digits; NFKC maps them to "482915"' }],
    negatives: negatives.list,
  };
}

async function recoverySection() {
  const secretKey = KEYS.author.secretKey;
  const recoveryKey = fixedBytes('recovery/key', 16);
  const nonce = fixedBytes('recovery/nonce', 24);
  const text = formatRecoveryKey(recoveryKey);
  const checksum = sha256(concat(lengthPrefixed(LABEL_RECOVERY_CHECK), recoveryKey)).slice(0, 2);
  const blob = withScript([nonce], (random) => lockWithRecoveryKey(secretKey, recoveryKey, random));
  const kek = deriveKey(recoveryKey, LABEL_RECOVERY_LOCK);
  const head = concat(new Uint8Array([RECOVERY_LOCK_VERSION]), keyIdOf(getPublicKeyBytes(secretKey)));
  const aad = concat(lengthPrefixed(LABEL_RECOVERY_LOCK), head);
  const sealed = xchacha20poly1305(kek, nonce, aad).encrypt(secretKey);
  if (hex(concat(head, nonce, sealed)) !== hex(blob))
    throw new Error('recovery: step-by-step recomputation differs');

  const compact = text.replace(/-/g, '');
  const relaxed = `${compact.toLowerCase().slice(0, 10)} ${compact.toLowerCase().slice(10)}`;
  if (hex(parseRecoveryKey(relaxed)) !== hex(recoveryKey)) throw new Error('recovery relaxed parse');

  // A typo: the first character replaced by the next letter of the alphabet.
  const typo = (compact[0] === 'Z' ? 'A' : String.fromCharCode(compact.charCodeAt(0) + 1)) + text.slice(1);
  const lastBits = text.slice(0, -1) + (text.endsWith('B') ? 'C' : 'B');

  const parseNegatives = negativeVectors();
  const pneg = (name: string, t: string, code: CryptoErrorCode) =>
    parseNegatives.add({ name, text: t }, code, () => parseRecoveryKey(t));
  await pneg('typo in the first character', typo, 'WRONG_RECOVERY_KEY');
  await pneg('one character missing', text.slice(0, -1), 'MALFORMED');
  await pneg('digit 1 is not base32', `1${text.slice(1)}`, 'MALFORMED');
  await pneg('non-zero trailing bit in the last character', lastBits, 'MALFORMED');

  const negatives = negativeVectors();
  const neg = (name: string, bytes: Uint8Array, key: Uint8Array, code: CryptoErrorCode) =>
    negatives.add({ name, blobHex: hex(bytes), recoveryKeyHex: hex(key) }, code, () =>
      unlockWithRecoveryKey(bytes, key),
    );
  await neg('wrong recovery key', blob, flip(recoveryKey, 0), 'WRONG_RECOVERY_KEY');
  await neg('tampered key id', flip(blob, 5), recoveryKey, 'WRONG_RECOVERY_KEY');
  await neg('tampered sealed key', flip(blob, 60), recoveryKey, 'WRONG_RECOVERY_KEY');
  await neg('version byte 2', setByte(blob, 0, 2), recoveryKey, 'UNSUPPORTED_VERSION');
  await neg(
    'one byte, version 2: the version is read before the length',
    new Uint8Array([2]),
    recoveryKey,
    'UNSUPPORTED_VERSION',
  );
  await neg('one byte short', blob.subarray(0, RECOVERY_LOCK_LENGTH - 1), recoveryKey, 'MALFORMED');
  await neg('recovery key of 15 bytes', blob, recoveryKey.subarray(0, 15), 'MALFORMED');

  return {
    secretKeyHex: hex(secretKey),
    recoveryKeyHex: hex(recoveryKey),
    checksumInputHex: hex(concat(lengthPrefixed(LABEL_RECOVERY_CHECK), recoveryKey)),
    checksumHex: hex(checksum),
    text,
    equivalentTexts: [relaxed],
    nonceHex: hex(nonce),
    kekHex: hex(kek),
    headHex: hex(head),
    aadHex: hex(aad),
    blobHex: hex(blob),
    blobBase64url: b64u(blob),
    parseNegatives: parseNegatives.list,
    negatives: negatives.list,
  };
}

async function keyedHashSection() {
  const secret = deriveServerHashKey(fixedBytes('server/secret', 32));
  const phones = ['+1 (555) 010-4477', '001 555.010.4477', '+15550104477'];
  const phoneCases = phones.map((input) => {
    const normalized = normalizePhone(input);
    return {
      kind: 'phone',
      input,
      normalized,
      last4: phoneLast4(input),
      messageHex: hex(concat(lengthPrefixed(LABEL_PHONE_HASH), utf8(normalized))),
      hashHex: hashPhone(secret, input),
    };
  });
  const ipCases = ['203.0.113.42', ' 2001:DB8::7 '].map((input) => {
    const normalized = input.trim().toLowerCase();
    return {
      kind: 'ip',
      input,
      normalized,
      messageHex: hex(concat(lengthPrefixed(LABEL_IP_HASH), utf8(normalized))),
      hashHex: hashIp(secret, input),
    };
  });
  const negatives = negativeVectors();
  const neg = (name: string, kind: 'phone' | 'ip', input: string, s: Uint8Array, code: CryptoErrorCode) =>
    negatives.add({ name, kind, input, secretHex: hex(s) }, code, () =>
      kind === 'phone' ? hashPhone(s, input) : hashIp(s, input),
    );
  await neg('national form without country code', 'phone', '(555) 010-4477', secret, 'MALFORMED');
  await neg('country code starting with 0', 'phone', '+0555010447', secret, 'MALFORMED');
  await neg('six digits (E.164 needs 7 to 15)', 'phone', '+155501', secret, 'MALFORMED');
  await neg('letters', 'phone', '+1555CALLNOW', secret, 'MALFORMED');
  await neg('hash secret of 16 bytes', 'ip', '203.0.113.42', secret.subarray(0, 16), 'INVALID_KEY');
  return { secretHex: hex(secret), cases: [...phoneCases, ...ipCases], negatives: negatives.list };
}

async function auditSection() {
  const entries: CanonicalValue[] = [
    {
      seq: 1,
      action: 'volunteer.created',
      actor: KEYS.admin1.publicKey,
      at: NOW,
      details: { name: 'María', roles: ['volunteer'] },
    },
    {
      seq: 2,
      action: 'note.created',
      actor: KEYS.author.publicKey,
      at: NOW + 90,
      details: {
        b: 1,
        a: null,
        A: true,
        '\uff61': 'halfwidth ideographic full stop (U+FF61)',
        '\u{1f600}': 'emoji (U+1F600, UTF-16 d83d de00): sorts before U+FF61',
        text: 'line1\nline2\t"quoted" \\ / \u0001 \u2028',
      },
    },
    {
      seq: 3,
      action: 'settings.updated',
      actor: KEYS.admin1.publicKey,
      at: NOW + 3600,
      details: { changed: [], delta: -42, flags: [false, null, 0] },
    },
  ];
  let previous = AUDIT_GENESIS_HASH;
  const chain = entries.map((entry, i) => {
    const json = canonicalJson(entry);
    const hash = auditEntryHash(previous, entry);
    const item = {
      seq: i + 1,
      previousHash: previous,
      entry,
      canonicalJson: json,
      messageHex: hex(concat(lengthPrefixed(LABEL_AUDIT_CHAIN), bytesOf(previous), utf8(json))),
      hash,
    };
    previous = hash;
    return item;
  });
  const strip = (c: (typeof chain)[number]) => ({
    seq: c.seq,
    previousHash: c.previousHash,
    hash: c.hash,
    entry: c.entry,
  });
  const verdict = verifyAuditChain(chain.map(strip));
  const tampered = chain
    .map(strip)
    .map((c) =>
      c.seq === 2
        ? { ...c, entry: { ...(c.entry as Record<string, CanonicalValue>), actor: KEYS.outsider.publicKey } }
        : c,
    );
  const removed = chain.map(strip).filter((c) => c.seq !== 2);
  const chainNegatives = [
    { name: 'entry 2 altered', entries: tampered, expectVerdict: verifyAuditChain(tampered) },
    { name: 'entry 2 removed', entries: removed, expectVerdict: verifyAuditChain(removed) },
  ];
  const canonicalNegatives: Array<Record<string, unknown>> = [];
  for (const [name, value] of [
    ['a fraction', { amount: 1.5 }],
    ['an integer above 2^53 - 1', { amount: 2 ** 53 }],
  ] as const) {
    canonicalNegatives.push({
      name,
      value,
      expectError: await expectFailure(name, 'MALFORMED', () => canonicalJson(value)),
    });
  }
  return { genesisHash: AUDIT_GENESIS_HASH, chain, verdict, chainNegatives, canonicalNegatives };
}

async function serverKeysSection() {
  const secret = fixedBytes('server/secret', 32);
  const nostrSecret = deriveServerNostrKey(secret);
  let counter = 0;
  while (hex(deriveKey(concat(secret, u32be(counter)), LABEL_SERVER_NOSTR_KEY)) !== hex(nostrSecret))
    counter++;
  const negatives = [
    {
      name: 'server secret of 31 bytes',
      secretHex: hex(secret.subarray(0, 31)),
      expectError: await expectFailure('short server secret', 'INVALID_KEY', () =>
        deriveServerHashKey(secret.subarray(0, 31)),
      ),
    },
  ];
  return {
    secretHex: hex(secret),
    nostr: {
      counter,
      inputKeyHex: hex(concat(secret, u32be(counter))),
      secretKeyHex: hex(nostrSecret),
      publicKeyHex: getPublicKey(nostrSecret),
      npub: encodeNpub(getPublicKey(nostrSecret)),
    },
    hashKeyHex: hex(deriveServerHashKey(secret)),
    settingsKeyHex: hex(deriveServerSettingsKey(secret)),
    requestKeySeedHex: hex(REQUEST_KEY_SEED),
    requestKeySecretHex: hex(deriveServerRequestKeySecret(secret, REQUEST_KEY_SEED)),
    fieldAtRest: contentVector(
      'volunteer phone number sealed at rest under the settings key',
      deriveServerSettingsKey(secret),
      LABEL_SERVER_FIELD,
      `users/${RECORD_B}/phone`,
      '+15550104477',
      'server/field',
    ),
    providerSecret: contentVector(
      "a telephony provider's credentials sealed at rest under the settings key (record id: the provider name)",
      deriveServerSettingsKey(secret),
      LABEL_PROVIDER_SECRET,
      'twilio',
      '{"accountSid":"AC0123456789abcdef0123456789abcdef","authToken":"0123456789abcdef0123456789abcdef","phoneNumbers":["+15550100000"]}',
      'server/provider-secret',
    ),
    negatives,
  };
}

async function primitivesSection() {
  const label = LABEL_NOTE_CONTENT;
  const tooLong = { repeat: 'a', count: 65536 };
  return {
    negatives: [
      {
        name: 'lp of a string of 65,536 UTF-8 bytes (the prefix holds at most 65,535)',
        operation: 'lengthPrefix',
        ...tooLong,
        expectError: await expectFailure('lp too long', 'TOO_LARGE', () =>
          lengthPrefixed(tooLong.repeat.repeat(tooLong.count)),
        ),
      },
    ],
    lengthPrefix: [
      { text: '', hex: hex(lengthPrefixed('')) },
      { text: 'María', hex: hex(lengthPrefixed('María')) },
      { text: label, hex: hex(lengthPrefixed(label)) },
    ],
    u16be: [{ value: 300, hex: hex(u16be(300)) }],
    hkdf: {
      inputKeyHex: hex(fixedBytes('hkdf/ikm', 32)),
      saltUtf8: PROTOCOL_SALT,
      info: LABEL_HUB_EVENT,
      outputHex: hex(deriveKey(fixedBytes('hkdf/ikm', 32), LABEL_HUB_EVENT)),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Every label: purposes with the application's record ids, derivations, drafts, reserved labels
// ---------------------------------------------------------------------------------------------

const CALL_ID = '5b2e9c4d-1f3a-4e6b-9c8d-7a6f5e4d3c2b';
const EXPORT_ID = '0e6f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

/** A stream vector small enough to list in full. */
function streamVector(
  name: string,
  key: Uint8Array,
  label: string,
  recordId: string,
  plaintext: Uint8Array,
  chunkLog2: number,
  seed: string,
) {
  const prefix = fixedBytes(`${seed}/prefix`, 19);
  const blob = withScript([prefix], (random) =>
    encryptBuffer(key, plaintext, { label, recordId }, chunkLog2, random),
  );
  return {
    name,
    keyHex: hex(key),
    label,
    recordId,
    chunkLog2,
    plaintextHex: hex(plaintext),
    noncePrefixHex: hex(prefix),
    blobHex: hex(blob),
  };
}

/**
 * A stream vector too large to list: the plaintext is the first `length` bytes of
 * stream(plaintextSeed) (the generator at the top of this file), and the encrypted file is
 * given by its length and SHA-256, with each chunk's nonce, first 16 sealed bytes and tag.
 */
function generatedStreamVector(
  name: string,
  key: Uint8Array,
  label: string,
  recordId: string,
  length: number,
  seed: string,
) {
  const plaintextSeed = `${seed}/plaintext`;
  const plaintext = fixedBytes(plaintextSeed, length);
  const prefix = fixedBytes(`${seed}/prefix`, 19);
  const chunkLog2 = DEFAULT_CHUNK_LOG2;
  const blob = withScript([prefix], (random) =>
    encryptBuffer(key, plaintext, { label, recordId }, chunkLog2, random),
  );
  const chunkSize = 2 ** chunkLog2;
  const chunkCount = Math.max(1, Math.ceil(length / chunkSize));
  const chunks = Array.from({ length: chunkCount }, (_, index) => {
    const plaintextLength = Math.min(chunkSize, length - index * chunkSize);
    const start = STREAM_HEADER_LENGTH + index * (chunkSize + 16);
    const sealed = blob.subarray(start, start + plaintextLength + 16);
    const last = index === chunkCount - 1;
    return {
      index,
      last,
      plaintextLength,
      nonceHex: hex(concat(prefix, u32be(index), new Uint8Array([last ? 1 : 0]))),
      sealedHeadHex: hex(sealed.subarray(0, 16)),
      tagHex: hex(sealed.subarray(sealed.length - 16)),
    };
  });
  const header = blob.subarray(0, STREAM_HEADER_LENGTH);
  return {
    name,
    keyHex: hex(key),
    label,
    recordId,
    chunkLog2,
    plaintext: {
      rule: 'the first `length` bytes of stream(seed), the SHA-256 counter stream of `randomness`',
      seed: plaintextSeed,
      length,
      sha256Hex: hex(sha256(plaintext)),
      first32Hex: hex(plaintext.subarray(0, 32)),
    },
    noncePrefixHex: hex(prefix),
    headerHex: hex(header),
    aadHex: hex(concat(header, lengthPrefixed(label), lengthPrefixed(recordId))),
    chunks,
    blobLength: blob.length,
    blobSha256Hex: hex(sha256(blob)),
  };
}

/**
 * The vectors of what a purpose seals under its object key: its content label and record id,
 * each vector's randomness drawn from the purpose's seed (`purposes/<purpose>`, then the suffix).
 */
function purposeSealing(key: Uint8Array, label: string, recordId: string, seed: string) {
  return {
    content: (name: string, plaintext: string, suffix?: string) =>
      contentVector(name, key, label, recordId, plaintext, suffix ? `${seed}/${suffix}` : seed),
    stream: (name: string, plaintext: Uint8Array) =>
      streamVector(name, key, label, recordId, plaintext, DEFAULT_CHUNK_LOG2, `${seed}/stream`),
    generatedStream: (name: string, length: number) =>
      generatedStreamVector(name, key, label, recordId, length, `${seed}/stream`),
  };
}

/** One purpose as the application uses it: the object key, its content (or file) and one wrap. */
function purposeVector(
  purpose: PurposeName,
  recordId: string,
  body: (seal: ReturnType<typeof purposeSealing>, seed: string) => Record<string, unknown>,
) {
  const seed = `purposes/${purpose}`;
  const key = fixedBytes(`${seed}/key`, 32);
  const seal = purposeSealing(key, PURPOSES[purpose].content, recordId, seed);
  return {
    purpose,
    contentLabel: PURPOSES[purpose].content,
    wrapLabel: PURPOSES[purpose].wrap,
    recordId,
    objectKeyHex: hex(key),
    ...body(seal, seed),
    wrap: wrapVector(
      `${purpose} key for admin1`,
      key,
      KEYS.admin1,
      PURPOSES[purpose].wrap,
      recordId,
      `${seed}/wrap`,
    ),
  };
}

function purposesSection() {
  const content = (plaintext: string) => (purpose: PurposeName, recordId: string) =>
    purposeVector(purpose, recordId, (seal) => ({ content: seal.content(`${purpose} content`, plaintext) }));
  const callMeta = JSON.stringify({
    v: 1,
    answeredBy: { userId: RECORD_B, pubkey: KEYS.author.publicKey },
    callerHash: hashPhone(deriveServerHashKey(fixedBytes('server/secret', 32)), '+15550104477'),
    callerLast4: '4477',
    legs: [{ userId: RECORD_B, kind: 'volunteer', status: 'answered' }],
  });
  const exportLines = [
    JSON.stringify({ type: 'export', format: 'llamenos-notes', version: 2, exportId: EXPORT_ID, fields: [] }),
    JSON.stringify({ type: 'note', note: { id: RECORD_A, text: 'Caller is safe tonight.' } }),
    JSON.stringify({ type: 'end', count: 1 }),
  ]
    .map((line) => `${line}\n`)
    .join('');
  const conversationExportLines = [
    JSON.stringify({
      type: 'export',
      format: 'llamenos-conversation',
      version: 1,
      exportId: EXPORT_ID,
      exportedAt: '2026-01-01T00:00:00.000Z',
      conversation: { id: RECORD_A, kind: 'sms', channel: 'twilio-sms', contactLast4: '4477' },
    }),
    JSON.stringify({
      type: 'message',
      message: {
        id: RECORD_B,
        direction: 'in',
        createdAt: '2026-01-01T00:00:00.000Z',
        body: 'Can you call me back after 6?',
      },
    }),
    JSON.stringify({ type: 'end', count: 1 }),
  ]
    .map((line) => `${line}\n`)
    .join('');
  return {
    note: content('{"text":"Caller is safe tonight; follow up tomorrow.","fields":{}}')(
      'note',
      `note:${RECORD_A}:v1`,
    ),
    report: content('Report: shelter at capacity, referred to the night line.')(
      'report',
      `report:${RECORD_B}`,
    ),
    message: content('Can you call me back after 6?')('message', `message:${RECORD_B}`),
    transcript: content('Volunteer: Hello, you are safe to talk here.')(
      'transcript',
      `transcript:${CALL_ID}`,
    ),
    callMeta: content(callMeta)('callMeta', `call-meta:${CALL_ID}`),
    voicemail: purposeVector('voicemail', `voicemail:${CALL_ID}`, (seal) => ({
      stream: seal.generatedStream(
        'voicemail recording: three chunks at the default chunk size, the last one partial',
        2 * 2 ** DEFAULT_CHUNK_LOG2 + 12345,
      ),
    })),
    export: purposeVector('export', `export:${EXPORT_ID}`, (seal) => ({
      stream: seal.stream(
        'notes export file body (version 2): JSON lines, default chunk size, one final chunk',
        utf8(exportLines),
      ),
      content: seal.content(
        'notes export of version 1 (one envelope ciphertext), still opened',
        exportLines,
        'content',
      ),
    })),
    conversationExport: purposeVector('conversationExport', `conversation-export:${EXPORT_ID}`, (seal) => ({
      stream: seal.stream(
        'conversation export file body (version 1): JSON lines, default chunk size, one final chunk',
        utf8(conversationExportLines),
      ),
    })),
    attachment: purposeVector('attachment', `attachment:${RECORD_B}`, (seal, seed) => ({
      stream: seal.stream(
        'attachment: 300 bytes at the default chunk size',
        fixedBytes(`${seed}/plaintext`, 300),
      ),
    })),
  };
}

/** Ids of the report vectors (lowercase hyphenated UUIDs, as the application draws them). */
const REPORT_ID = '3f9a7c1e-5b2d-4e8f-a1c3-9d7e6b5a4f30';
const REPLY_ID = 'a84c2e6f-0d1b-4c3a-9e5f-7b8a6c4d2e1f';
const ATTACHMENT_ID = '6e1d4b2a-8c7f-4a9e-b3d5-2f0e1c9b8a7d';

/**
 * The padded plaintext length of an attachment of `n` bytes (PROTOCOL.md §10.2, `paddedLength`
 * in packages/protocol/src/reports.ts): 65,536 up to 64 KiB, else `n` rounded up to a multiple
 * of 2^(floor(log2 n) − 3). Integer-only here, so the vector does not lean on Math.log2.
 */
function attachmentPaddedLength(n: number): number {
  if (n <= 65_536) return 65_536;
  let log2 = 0;
  while (2 ** (log2 + 1) <= n) log2++;
  const step = 2 ** (log2 - 3);
  return Math.ceil(n / step) * step;
}

/**
 * Reports (PROTOCOL.md §9.4) and an attachment upload (§10.2): a report's sealed content, a
 * reply, and an attachment's stream as the browser uploads it, chunk by chunk, with the file
 * key wrapped for each reader.
 */
function reportsSection() {
  const readers = [KEYS.author, KEYS.admin1, KEYS.admin2];
  const size = 150_000;
  const padded = attachmentPaddedLength(size);
  const attachmentRecord = `attachment:${ATTACHMENT_ID}`;
  const reportPayload = JSON.stringify({
    v: 1,
    title: 'Checkpoint on the north road turning people back',
    body: 'Seen at 07:40. Two vans; families sent to the shelter on Calle 5.',
    category: 'Access to services',
    fields: { location: 'North road, km 12', people: 14, urgent: true, seen_at: '2026-01-01T07:40:00Z' },
    attachments: [{ id: ATTACHMENT_ID, name: 'checkpoint.jpg', type: 'image/jpeg', size }],
  });
  const report = sealWithScript(reportPayload, readers, 'report', `report:${REPORT_ID}`, 'reports/report');
  const reply = sealWithScript(
    JSON.stringify({ v: 1, body: 'Thank you. We have told the legal team; stay safe.' }),
    readers,
    'report',
    `report-reply:${REPLY_ID}`,
    'reports/reply',
  );
  for (const sealed of [report, reply])
    for (const r of readers) {
      const opened = openAsReader(sealed.envelope, r.secretKey, {
        purpose: PURPOSES.report,
        recordId: sealed.recordId,
      });
      if (new TextDecoder().decode(opened) !== sealed.plaintext) throw new Error('reports: open failed');
    }

  // The attachment: the file's bytes, then zeros up to the padded length, as a §10 stream.
  const seed = 'reports/attachment';
  const fileSeed = `${seed}/file`;
  const file = fixedBytes(fileSeed, size);
  const plaintext = new Uint8Array(padded);
  plaintext.set(file, 0);
  const key = fixedBytes(`${seed}/file-key`, 32);
  const prefix = fixedBytes(`${seed}/prefix`, 19);
  const chunkLog2 = 16;
  const label = PURPOSES.attachment.content;
  const blob = withScript([prefix], (random) =>
    encryptBuffer(key, plaintext, { label, recordId: attachmentRecord }, chunkLog2, random),
  );
  const header = blob.subarray(0, STREAM_HEADER_LENGTH);
  const aad = concat(header, lengthPrefixed(label), lengthPrefixed(attachmentRecord));
  const chunkSize = 2 ** chunkLog2;
  const chunkCount = Math.ceil(padded / chunkSize);
  let offset = STREAM_HEADER_LENGTH;
  const chunks = Array.from({ length: chunkCount }, (_, index) => {
    const plaintextLength = Math.min(chunkSize, padded - index * chunkSize);
    const last = index === chunkCount - 1;
    const nonce = concat(prefix, u32be(index), new Uint8Array([last ? 1 : 0]));
    const sealed = blob.subarray(offset, offset + plaintextLength + 16);
    const check = xchacha20poly1305(key, nonce, aad).encrypt(
      plaintext.subarray(index * chunkSize, index * chunkSize + plaintextLength),
    );
    if (hex(check) !== hex(sealed)) throw new Error(`attachment chunk ${index}: recomputation differs`);
    offset += sealed.length;
    return {
      index,
      last,
      plaintextLength,
      nonceHex: hex(nonce),
      sealedLength: sealed.length,
      sealedHeadHex: hex(sealed.subarray(0, 16)),
      tagHex: hex(sealed.subarray(sealed.length - 16)),
      sealedSha256Hex: hex(sha256(sealed)),
    };
  });
  if (offset !== blob.length || chunkCount !== 3) throw new Error('attachment stream layout');
  const opened = decryptBuffer(key, blob, { label, recordId: attachmentRecord });
  if (hex(sha256(opened.subarray(0, size))) !== hex(sha256(file))) throw new Error('attachment: open failed');

  return {
    note: 'A report (purpose report, record id report:<reportId>) and a reply (record id report-reply:<replyId>) are sealed envelopes (Section 9) for the author and every report admin; an attachment is a Section 10 stream of the padded file (Section 10.2) under a file key wrapped for the same readers (purpose attachment, record id attachment:<attachmentId>). Chunk i of the stream is the body of PUT /api/attachments/<id>/chunks/<i>.',
    report,
    reply,
    attachment: {
      recordId: attachmentRecord,
      label,
      keyHex: hex(key),
      file: {
        rule: 'the first `size` bytes of stream(seed), the SHA-256 counter stream of `randomness`',
        seed: fileSeed,
        size,
        sha256Hex: hex(sha256(file)),
        first32Hex: hex(file.subarray(0, 32)),
      },
      paddedLength: padded,
      paddedSha256Hex: hex(sha256(plaintext)),
      chunkLog2,
      chunkCount,
      noncePrefixHex: hex(prefix),
      headerHex: hex(header),
      headerBase64url: b64u(header),
      aadHex: hex(aad),
      chunks,
      blobLength: blob.length,
      blobSha256Hex: hex(sha256(blob)),
      wraps: readers.map((r) =>
        wrapVector(
          `attachment file key for ${r.name}`,
          key,
          r,
          PURPOSES.attachment.wrap,
          attachmentRecord,
          `${seed}/wrap/${r.name}`,
        ),
      ),
    },
  };
}

function derivationVector(name: string, inputKey: Uint8Array, label: string, length = 32) {
  return {
    name,
    label,
    inputKeyHex: hex(inputKey),
    length,
    outputHex: hex(deriveKey(inputKey, label, length)),
  };
}

function derivationsSection() {
  const secret = fixedBytes('server/secret', 32);
  const nostrSecret = deriveServerNostrKey(secret);
  let counter = 0;
  while (hex(deriveKey(concat(secret, u32be(counter)), LABEL_SERVER_NOSTR_KEY)) !== hex(nostrSecret))
    counter++;
  const carrier = derivationVector('simulated carrier account', secret, LABEL_SIMULATOR_CARRIER, 48);
  const carrierBytes = bytesOf(carrier.outputHex);
  return {
    hubEventKey: derivationVector(
      'hub event key from the hub key',
      fixedBytes('hub/key', 32),
      LABEL_HUB_EVENT,
    ),
    draftKey: derivationVector(
      "draft key from the author's secret key",
      KEYS.author.secretKey,
      LABEL_DRAFT_KEY,
    ),
    serverNostrKey: derivationVector(
      `server Nostr key: secret || u32be(${counter})`,
      concat(secret, u32be(counter)),
      LABEL_SERVER_NOSTR_KEY,
    ),
    serverHashKey: derivationVector('server hash key', secret, LABEL_SERVER_HASH_KEY),
    serverSettingsKey: derivationVector('server settings key', secret, LABEL_SERVER_SETTINGS_KEY),
    serverRequestKeySecret: derivationVector(
      'server request-key secret: secret || the database-held seed',
      concat(secret, REQUEST_KEY_SEED),
      LABEL_SERVER_REQUEST_KEY,
    ),
    simulatorCarrier: {
      ...carrier,
      accountSid: `AC${hex(carrierBytes.subarray(0, 16))}`,
      authToken: hex(carrierBytes.subarray(16)),
    },
    browserIdentityKey: derivationVector('browser calling identity key', secret, LABEL_BROWSER_IDENTITY),
    recoveryLockKek: derivationVector(
      'recovery lock KEK from the recovery key',
      fixedBytes('recovery/key', 16),
      LABEL_RECOVERY_LOCK,
    ),
  };
}

function draftsSection() {
  const draftKey = deriveKey(KEYS.author.secretKey, LABEL_DRAFT_KEY);
  const recordId = `draft:${RECORD_A}`;
  return {
    secretKeyHex: hex(KEYS.author.secretKey),
    draftKeyHex: hex(draftKey),
    content: contentVector(
      'unsaved note kept on the device',
      draftKey,
      LABEL_DRAFT_CONTENT,
      recordId,
      '{"callId":null,"text":"Caller asked about","values":{}}',
      'drafts/content',
    ),
  };
}

function reservedSection() {
  return {
    note: 'Labels that no construction of this version uses yet. A vector shows the construction its name implies under that label, so a later use has a fixed answer.',
    voicemailContent: contentVector(
      'reserved label, content construction',
      fixedBytes('reserved/voicemail-content/key', 32),
      LABEL_VOICEMAIL_CONTENT,
      `voicemail:${CALL_ID}`,
      'reserved',
      'reserved/voicemail-content',
    ),
  };
}

/**
 * Where each label has a positive vector. "used": the reference code seals, wraps, derives or
 * hashes with it today; "reserved": no code of this version uses it yet.
 */
const LABEL_INDEX: Record<string, { status: 'used' | 'reserved'; vectors: string[] }> = {
  LABEL_NOTE_CONTENT: {
    status: 'used',
    vectors: ['content.cases.0', 'purposes.note.content', 'readers.recordA'],
  },
  LABEL_REPORT_CONTENT: { status: 'used', vectors: ['purposes.report.content', 'reports.report'] },
  LABEL_MESSAGE_CONTENT: { status: 'used', vectors: ['content.cases.1', 'purposes.message.content'] },
  LABEL_VOICEMAIL_CONTENT: { status: 'reserved', vectors: ['reserved.voicemailContent'] },
  LABEL_TRANSCRIPT_CONTENT: {
    status: 'used',
    vectors: ['content.cases.2', 'purposes.transcript.content'],
  },
  LABEL_CALL_META_CONTENT: { status: 'used', vectors: ['purposes.callMeta.content'] },
  LABEL_EXPORT_CONTENT: { status: 'used', vectors: ['purposes.export.stream', 'purposes.export.content'] },
  LABEL_CONVERSATION_EXPORT_CONTENT: { status: 'used', vectors: ['purposes.conversationExport.stream'] },
  LABEL_DRAFT_CONTENT: { status: 'used', vectors: ['drafts.content'] },
  LABEL_ATTACHMENT_STREAM: {
    status: 'used',
    vectors: ['stream.file', 'purposes.attachment.stream', 'reports.attachment'],
  },
  LABEL_VOICEMAIL_STREAM: { status: 'used', vectors: ['purposes.voicemail.stream'] },
  LABEL_NOTE_KEY_WRAP: { status: 'used', vectors: ['ecies.cases.0', 'purposes.note.wrap'] },
  LABEL_REPORT_KEY_WRAP: { status: 'used', vectors: ['purposes.report.wrap', 'reports.reply'] },
  LABEL_MESSAGE_KEY_WRAP: { status: 'used', vectors: ['purposes.message.wrap'] },
  LABEL_VOICEMAIL_KEY_WRAP: { status: 'used', vectors: ['purposes.voicemail.wrap'] },
  LABEL_TRANSCRIPT_KEY_WRAP: { status: 'used', vectors: ['ecies.cases.1', 'purposes.transcript.wrap'] },
  LABEL_CALL_META_KEY_WRAP: { status: 'used', vectors: ['purposes.callMeta.wrap'] },
  LABEL_EXPORT_KEY_WRAP: { status: 'used', vectors: ['purposes.export.wrap'] },
  LABEL_CONVERSATION_EXPORT_KEY_WRAP: { status: 'used', vectors: ['purposes.conversationExport.wrap'] },
  LABEL_ATTACHMENT_KEY_WRAP: {
    status: 'used',
    vectors: ['purposes.attachment.wrap', 'reports.attachment.wraps.0'],
  },
  LABEL_HUB_KEY_WRAP: { status: 'used', vectors: ['hubKey.wrap'] },
  LABEL_HUB_EVENT: {
    status: 'used',
    vectors: ['derivations.hubEventKey', 'hubKey.event', 'primitives.hkdf'],
  },
  LABEL_DRAFT_KEY: { status: 'used', vectors: ['derivations.draftKey'] },
  LABEL_SERVER_NOSTR_KEY: { status: 'used', vectors: ['derivations.serverNostrKey'] },
  LABEL_SERVER_HASH_KEY: { status: 'used', vectors: ['derivations.serverHashKey'] },
  LABEL_SERVER_SETTINGS_KEY: { status: 'used', vectors: ['derivations.serverSettingsKey'] },
  LABEL_PROVIDER_SECRET: { status: 'used', vectors: ['serverKeys.providerSecret'] },
  LABEL_SERVER_FIELD: { status: 'used', vectors: ['serverKeys.fieldAtRest'] },
  LABEL_SIMULATOR_CARRIER: { status: 'used', vectors: ['derivations.simulatorCarrier'] },
  LABEL_BROWSER_IDENTITY: { status: 'used', vectors: ['derivations.browserIdentityKey'] },
  LABEL_SERVER_REQUEST_KEY: { status: 'used', vectors: ['derivations.serverRequestKeySecret'] },
  LABEL_REQUEST_KEY: { status: 'used', vectors: ['requestKey.issue'] },
  LABEL_REQUEST_MAC: { status: 'used', vectors: ['requestKey.cases.0', 'requestKey.cases.1'] },
  LABEL_PIN_LOCK: { status: 'used', vectors: ['pinLock'] },
  LABEL_RECOVERY_LOCK: { status: 'used', vectors: ['recovery', 'derivations.recoveryLockKek'] },
  LABEL_RECOVERY_CHECK: { status: 'used', vectors: ['recovery'] },
  LABEL_KEY_ID: { status: 'used', vectors: ['keys.cases.0'] },
  LABEL_PHONE_HASH: { status: 'used', vectors: ['keyedHash.cases.0'] },
  LABEL_IP_HASH: { status: 'used', vectors: ['keyedHash.cases.3'] },
  LABEL_AUDIT_CHAIN: { status: 'used', vectors: ['audit.chain.0'] },
};

/** The value at a dotted path of the vector file. */
export const atPath = (root: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);

/**
 * Whether the vector at `path` is a positive vector that uses the label `value`: it is not in a
 * negatives list and names the label, as a field value or inside hex as lp(label).
 */
export function vectorUsesLabel(root: unknown, path: string, value: string): boolean {
  const vector = atPath(root, path);
  if (vector === undefined || /negative|invalid/i.test(path)) return false;
  if (typeof vector === 'object' && vector !== null && 'expectError' in vector) return false;
  const json = JSON.stringify(vector);
  return json.includes(JSON.stringify(value)) || json.includes(hex(lengthPrefixed(value)));
}

/** The label index of the vector file; fails if a label of labels.ts has no positive vector. */
function labelsSection(vectors: Record<string, unknown>) {
  const defined = new Map(
    Object.entries<unknown>(labelConstants).filter(
      (entry): entry is [string, string] => entry[0].startsWith('LABEL_') && typeof entry[1] === 'string',
    ),
  );
  for (const name of defined.keys())
    if (!LABEL_INDEX[name])
      throw new Error(`label ${name} has no vector: add one and list it in LABEL_INDEX`);
  // In LABEL_INDEX order: a module namespace lists its exports sorted, and not in every loader.
  return Object.entries(LABEL_INDEX).map(([name, entry]) => {
    const value = defined.get(name);
    if (value === undefined) throw new Error(`LABEL_INDEX lists ${name}, which labels.ts does not define`);
    for (const path of entry.vectors)
      if (!vectorUsesLabel(vectors, path, value))
        throw new Error(`label ${name}: ${path} is not a positive vector that uses it`);
    return { name, value, ...entry };
  });
}

// ---------------------------------------------------------------------------------------------

/** Builds the complete vector file. */
export async function generateVectors(): Promise<object> {
  const primitives = await primitivesSection();
  const vectors = {
    protocol: 'llamenos',
    version: 1,
    description:
      'Test vectors for protocol version 1, generated by packages/crypto/scripts/generate-vectors.ts from the ' +
      'implementation. Specification: docs/PROTOCOL.md. Binary values are lowercase hex (…Hex) or unpadded ' +
      'base64url (…Base64url); text is UTF-8. Every negative case must fail with exactly expectError.',
    randomness:
      'Every random input is listed in its vector. It was drawn from stream(name) = SHA-256(UTF-8(' +
      `"${STREAM_DOMAIN}" + name) || u32be(0)) || SHA-256(… || u32be(1)) || …, first bytes first.`,
    fixedTime: NOW,
    constants: constantsSection(),
    primitives: {
      lengthPrefix: primitives.lengthPrefix,
      u16be: primitives.u16be,
      hkdf: primitives.hkdf,
      negatives: primitives.negatives,
    },
    keys: await keysSection(),
    schnorr: schnorrSection(),
    nip98: await nip98Section(),
    requestKey: await requestKeySection(),
    ecies: await eciesSection(),
    content: await contentSection(),
    padding: paddingSection(),
    readers: await readersSection(),
    hubKey: await hubKeySection(),
    stream: await streamSection(),
    pinLock: await pinLockSection(),
    recovery: await recoverySection(),
    keyedHash: await keyedHashSection(),
    audit: await auditSection(),
    serverKeys: await serverKeysSection(),
    purposes: purposesSection(),
    derivations: derivationsSection(),
    drafts: draftsSection(),
    reserved: reservedSection(),
    reports: reportsSection(),
  };
  return { ...vectors, labels: labelsSection(vectors) };
}

export const VECTORS_PATH = fileURLToPath(new URL('../test-vectors/v1.json', import.meta.url));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const vectors = await generateVectors();
  writeFileSync(VECTORS_PATH, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(`wrote ${VECTORS_PATH}`);
}
