/**
 * Cross-checks against independent implementations: libsodium (XChaCha20-Poly1305),
 * node:crypto / OpenSSL (ECDH, HKDF, PBKDF2) and nostr-tools (NIP-01, NIP-19, NIP-98).
 * Where our functions take a RandomSource, a recording source is injected so the nonce and
 * ephemeral key are known and the bytes can be rebuilt or opened on the other side.
 */
import { createECDH, hkdfSync, pbkdf2Sync } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import sodium from 'libsodium-wrappers';
import * as nip19 from 'nostr-tools/nip19';
import { validateEvent as nip98ValidateEvent, validateToken } from 'nostr-tools/nip98';
import { finalizeEvent, verifyEvent as nostrToolsVerifyEvent } from 'nostr-tools/pure';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createAuthHeader,
  decodeNpub,
  decodeNsec,
  decryptBuffer,
  decryptContent,
  deriveKey,
  encodeNpub,
  encodeNsec,
  encryptBuffer,
  encryptContent,
  getPublicKey,
  LABEL_ATTACHMENT_STREAM,
  LABEL_NOTE_CONTENT,
  LABEL_NOTE_KEY_WRAP,
  type NostrEvent,
  PROTOCOL_SALT,
  paddedLength,
  parseAuthHeader,
  pbkdf2Sha256,
  type RandomSource,
  sharedX,
  signEvent,
  unwrapKey,
  verifyAuthHeader,
  verifyEvent,
  wrapKey,
} from '../src/index.js';

beforeAll(async () => {
  await sodium.ready;
});

const enc = new TextEncoder();
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Deterministic bytes from a seed, recording every request. */
function recordingRandom(seed: string): RandomSource & { calls: Uint8Array[] } {
  let counter = 0;
  const calls: Uint8Array[] = [];
  const source = (length: number) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = sha256(enc.encode(`${seed}/${counter++}`));
      out.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    calls.push(out.slice());
    return out;
  };
  return Object.assign(source, { calls });
}

const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
/** u16be(length) || UTF-8 — written here from the documented layout, not imported. */
const lp = (text: string) => {
  const b = enc.encode(text);
  return new Uint8Array([...u16(b.length), ...b]);
};

const secretFrom = (seed: string): Uint8Array => sha256(enc.encode(`secret/${seed}`));

// ---------------------------------------------------------------------------------------------

describe('content encryption vs libsodium XChaCha20-Poly1305', () => {
  // plaintext size → padded size (PROTOCOL.md: ≥ 32, then steps of 1/8 of the next power of two, 32 up to 256)
  const buckets: Array<[number, number]> = [
    [0, 32],
    [1, 32],
    [31, 32],
    [32, 32],
    [33, 64],
    [255, 256],
    [256, 256],
    [257, 320],
    [1000, 1024],
    [4097, 5120],
    [70_000, 81_920],
  ];

  it('our ciphertext opens in libsodium with the documented AAD, giving the documented padding', () => {
    let run = 0;
    for (const [size, bucket] of buckets) {
      const key = secretFrom(`content-key-${size}`);
      const plaintext = new Uint8Array(size).map((_, i) => (i * 7 + size) & 0xff);
      const ctx = { label: LABEL_NOTE_CONTENT, recordId: `note-${size}-ünïcode` };
      const random = recordingRandom(`content-${size}`);
      const blob = encryptContent(key, plaintext, ctx, random);
      expect(random.calls.map((c) => c.length)).toEqual([24]);
      const nonce = random.calls[0]!;
      expect(blob[0]).toBe(1);
      expect(hexOf(blob.subarray(1, 25))).toBe(hexOf(nonce));
      const aad = new Uint8Array([1, ...lp(ctx.label), ...lp(ctx.recordId)]);
      const padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        null,
        blob.subarray(25),
        aad,
        nonce,
        key,
      );
      expect(paddedLength(size)).toBe(bucket);
      expect(padded.length).toBe(4 + bucket);
      expect(new DataView(padded.buffer, padded.byteOffset).getUint32(0)).toBe(size);
      expect(hexOf(padded.subarray(4, 4 + size))).toBe(hexOf(plaintext));
      expect(padded.subarray(4 + size).every((b) => b === 0)).toBe(true);
      // A different record id in the AAD must not open.
      const otherAad = new Uint8Array([1, ...lp(ctx.label), ...lp('note-other')]);
      expect(() =>
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, blob.subarray(25), otherAad, nonce, key),
      ).toThrow();
      run++;
    }
    expect(run).toBe(11);
  });

  it('a blob built by libsodium from the documented layout opens with decryptContent', () => {
    const key = secretFrom('sodium-built');
    const nonce = sodium.randombytes_buf(24);
    const message = enc.encode('hello from libsodium');
    const padded = new Uint8Array(4 + 32);
    new DataView(padded.buffer).setUint32(0, message.length);
    padded.set(message, 4);
    const ctx = { label: LABEL_NOTE_CONTENT, recordId: 'r1' };
    const aad = new Uint8Array([1, ...lp(ctx.label), ...lp(ctx.recordId)]);
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(padded, aad, null, nonce, key);
    const blob = new Uint8Array([1, ...nonce, ...sealed]);
    expect(new TextDecoder().decode(decryptContent(key, blob, ctx))).toBe('hello from libsodium');
  });
});

describe('key wraps vs node:crypto ECDH + HKDF + libsodium', () => {
  it('a wrap made by wrapKey opens with an independent ECIES built from node:crypto and libsodium', () => {
    let run = 0;
    for (const i of [1, 2, 3, 4, 5, 6]) {
      const recipientSecret = secretFrom(`recipient-${i}`);
      const recipient = getPublicKey(recipientSecret);
      const key = secretFrom(`object-key-${i}`);
      const ctx = { label: LABEL_NOTE_KEY_WRAP, recordId: `note-${i}` };
      const random = recordingRandom(`wrap-${i}`);
      const wrap = wrapKey(key, recipient, ctx, random);
      expect(random.calls.map((c) => c.length)).toEqual([32, 24]);
      const [ephemeralSecret, nonce] = random.calls as [Uint8Array, Uint8Array];

      const ecdh = createECDH('secp256k1');
      ecdh.setPrivateKey(ephemeralSecret);
      const ephemeralPublic = new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
      const recipientPoint = new Uint8Array([2, ...Buffer.from(recipient, 'hex')]);
      const shared = new Uint8Array(ecdh.computeSecret(recipientPoint));
      const kek = new Uint8Array(hkdfSync('sha256', shared, PROTOCOL_SALT, ctx.label, 32));

      expect(wrap.length).toBe(1 + 33 + 24 + 48);
      expect(wrap[0]).toBe(1);
      expect(hexOf(wrap.subarray(1, 34))).toBe(hexOf(ephemeralPublic));
      expect(hexOf(wrap.subarray(34, 58))).toBe(hexOf(nonce));
      const aad = new Uint8Array([
        1,
        ...lp(ctx.label),
        ...lp(ctx.recordId),
        ...ephemeralPublic,
        ...Buffer.from(recipient, 'hex'),
      ]);
      const opened = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        null,
        wrap.subarray(58),
        aad,
        nonce,
        kek,
      );
      expect(hexOf(opened)).toBe(hexOf(key));
      expect(hexOf(unwrapKey(wrap, recipientSecret, ctx))).toBe(hexOf(key));
      run++;
    }
    expect(run).toBe(6);
  });

  it('a wrap built by node:crypto and libsodium opens with unwrapKey', () => {
    const recipientSecret = secretFrom('recipient-reverse');
    const recipient = Buffer.from(getPublicKey(recipientSecret), 'hex');
    const ctx = { label: LABEL_NOTE_KEY_WRAP, recordId: 'reverse' };
    const ecdh = createECDH('secp256k1');
    ecdh.generateKeys();
    const ephemeralPublic = new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
    const shared = ecdh.computeSecret(new Uint8Array([2, ...recipient]));
    const kek = new Uint8Array(hkdfSync('sha256', shared, PROTOCOL_SALT, ctx.label, 32));
    const nonce = sodium.randombytes_buf(24);
    const key = sodium.randombytes_buf(32);
    const aad = new Uint8Array([1, ...lp(ctx.label), ...lp(ctx.recordId), ...ephemeralPublic, ...recipient]);
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(key, aad, null, nonce, kek);
    const wrap = new Uint8Array([1, ...ephemeralPublic, ...nonce, ...sealed]);
    expect(hexOf(unwrapKey(wrap, recipientSecret, ctx))).toBe(hexOf(key));
  });
});

describe('stream chunks vs libsodium', () => {
  it('each STREAM chunk opens in libsodium with nonce prefix || u32be(i) || last flag', () => {
    const key = secretFrom('stream');
    const ctx = { label: LABEL_ATTACHMENT_STREAM, recordId: 'file-1' };
    const plaintext = new Uint8Array(3 * 1024 + 100).map((_, i) => i & 0xff);
    const blob = encryptBuffer(key, plaintext, ctx, 10, recordingRandom('stream'));
    const header = blob.subarray(0, 21);
    expect(header[0]).toBe(1);
    expect(header[1]).toBe(10);
    const aad = new Uint8Array([...header, ...lp(ctx.label), ...lp(ctx.recordId)]);
    const chunks: Uint8Array[] = [];
    for (let offset = 21, i = 0; offset < blob.length; offset += 1024 + 16, i++) {
      const sealed = blob.subarray(offset, Math.min(blob.length, offset + 1024 + 16));
      const last = offset + 1024 + 16 >= blob.length;
      const nonce = new Uint8Array([...header.subarray(2), 0, 0, 0, i, last ? 1 : 0]);
      chunks.push(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, aad, nonce, key));
    }
    expect(chunks.length).toBe(4);
    expect(chunks.map((c) => c.length)).toEqual([1024, 1024, 1024, 100]);
    expect(hexOf(new Uint8Array(chunks.flatMap((c) => [...c])))).toBe(hexOf(plaintext));
    expect(hexOf(decryptBuffer(key, blob, ctx))).toBe(hexOf(plaintext));
  });
});

// ---------------------------------------------------------------------------------------------

describe('ECDH, HKDF and PBKDF2 vs node:crypto', () => {
  it('sharedX equals the OpenSSL ECDH x-coordinate with the even-y point, for 20 key pairs', () => {
    let run = 0;
    for (let i = 0; i < 20; i++) {
      const a = secretFrom(`ecdh-a-${i}`);
      const b = secretFrom(`ecdh-b-${i}`);
      const bX = Buffer.from(getPublicKey(b), 'hex');
      const ecdh = createECDH('secp256k1');
      ecdh.setPrivateKey(a);
      const expected = ecdh.computeSecret(new Uint8Array([2, ...bX])).toString('hex');
      expect(hexOf(sharedX(a, bX))).toBe(expected);
      // x-only ECDH is symmetric: a·B and b·A share an x-coordinate whatever the y parities.
      expect(hexOf(sharedX(b, Buffer.from(getPublicKey(a), 'hex')))).toBe(expected);
      run++;
    }
    expect(run).toBe(20);
  });

  it('deriveKey equals node:crypto hkdfSync with the protocol salt and the label as info', () => {
    const cases: Array<[string, number]> = [
      ['llamenos/x', 32],
      ['', 32],
      ['ünï', 16],
      ['a'.repeat(300), 64],
      ['z', 255 * 32],
    ];
    for (const [label, length] of cases) {
      const ikm = secretFrom(`hkdf-${label.length}`);
      const node = new Uint8Array(hkdfSync('sha256', ikm, PROTOCOL_SALT, label, length));
      expect(hexOf(deriveKey(ikm, label, length))).toBe(hexOf(node));
    }
    expect(deriveKey(secretFrom('x'), 'y')).toHaveLength(32);
  });

  it('pbkdf2Sha256: webcrypto, noble and node:crypto pbkdf2Sync agree', async () => {
    const cases: Array<[string, string, number]> = [
      ['1234', 'salt', 1],
      ['', 'salt', 2],
      ['pässwörd', '', 1000],
      ['0000', '\u0000\u0001', 4096],
    ];
    for (const [password, salt, iterations] of cases) {
      const pw = enc.encode(password);
      const s = enc.encode(salt);
      const node = pbkdf2Sync(pw, s, iterations, 32, 'sha256').toString('hex');
      expect(hexOf(await pbkdf2Sha256(pw, s, iterations, 'webcrypto'))).toBe(node);
      expect(hexOf(await pbkdf2Sha256(pw, s, iterations, 'noble'))).toBe(node);
    }
  });

  it('pbkdf2Sha256 at the PIN-lock iteration count (600,000) matches node:crypto', async () => {
    const pw = enc.encode('246810');
    const salt = secretFrom('pin-salt').subarray(0, 16);
    const node = pbkdf2Sync(pw, salt, 600_000, 32, 'sha256').toString('hex');
    expect(hexOf(await pbkdf2Sha256(pw, salt, 600_000))).toBe(node);
  });
});

// ---------------------------------------------------------------------------------------------

describe('NIP-01 / NIP-98 / NIP-19 vs nostr-tools', () => {
  const secret = secretFrom('nostr');
  const url = 'https://hotline.example/api/notes?since=10&kind=a%20b';

  const decodeHeader = (header: string): NostrEvent =>
    JSON.parse(Buffer.from(header.slice('Nostr '.length), 'base64').toString('utf8')) as NostrEvent;

  it('nostr-tools validateToken accepts a header from createAuthHeader', async () => {
    const header = createAuthHeader({ url, method: 'get' }, secret);
    expect(await validateToken(header, url, 'GET')).toBe(true);
    await expect(validateToken(header, `${url}&x=1`, 'GET')).rejects.toThrow(/url/);
    await expect(validateToken(header, url, 'POST')).rejects.toThrow(/method/);
  });

  it('nostr-tools validateEvent accepts our payload hash of a JSON body and verifyEvent our signature', async () => {
    const body = { note: 'hola', n: 3, nested: { a: [1, 2] } };
    const header = createAuthHeader({ url, method: 'POST', body: JSON.stringify(body) }, secret);
    const event = decodeHeader(header);
    expect(event.kind).toBe(27235);
    expect(nostrToolsVerifyEvent(decodeHeader(header))).toBe(true);
    expect(await nip98ValidateEvent(decodeHeader(header), url, 'POST', body)).toBe(true);
    await expect(nip98ValidateEvent(decodeHeader(header), url, 'POST', { ...body, n: 4 })).rejects.toThrow(
      /payload/,
    );
    const tampered = { ...decodeHeader(header), content: 'x' };
    expect(nostrToolsVerifyEvent(tampered)).toBe(false);
    // and our own verifier agrees on the same header
    const verified = verifyAuthHeader(header, { url, method: 'POST', body: JSON.stringify(body) });
    expect(verified.pubkey).toBe(getPublicKey(secret));
    expect(verified.eventId).toBe(event.id);
  });

  it('an event signed by nostr-tools finalizeEvent verifies with our verifyEvent, and ours with theirs', () => {
    const theirs = finalizeEvent(
      { kind: 1, created_at: 1_700_000_000, tags: [['t', 'x']], content: 'from nostr-tools ✓' },
      secret,
    );
    const copy = JSON.parse(JSON.stringify(theirs)) as NostrEvent;
    expect(verifyEvent(copy)).toBe(true);
    expect(verifyEvent({ ...copy, content: 'changed' })).toBe(false);
    expect(copy.pubkey).toBe(getPublicKey(secret));

    const ours = signEvent(
      { kind: 1, created_at: 1_700_000_000, tags: [['t', 'x']], content: 'from nostr-tools ✓' },
      secret,
    );
    expect(ours.id).toBe(theirs.id);
    expect(nostrToolsVerifyEvent(JSON.parse(JSON.stringify(ours)))).toBe(true);
  });

  it('a NIP-98 event signed by nostr-tools (with our nonce and payload tags) passes verifyAuthHeader', () => {
    const now = 1_700_000_123;
    const bodyHash = hexOf(sha256(enc.encode('{"a":1}')));
    const event = finalizeEvent(
      {
        kind: 27235,
        created_at: now,
        content: '',
        tags: [
          ['u', url],
          ['method', 'PUT'],
          ['payload', bodyHash],
          ['nonce', 'ab'.repeat(16)],
        ],
      },
      secret,
    );
    const header = `Nostr ${Buffer.from(JSON.stringify(event)).toString('base64')}`;
    expect(parseAuthHeader(header).id).toBe(event.id);
    const verified = verifyAuthHeader(header, { url, method: 'put', body: '{"a":1}' }, now + 30);
    expect(verified).toEqual({
      pubkey: getPublicKey(secret),
      eventId: event.id,
      createdAt: now,
      rememberUntil: now + 60,
    });
  });

  it('nsec and npub agree with nostr-tools nip19 in both directions', () => {
    let run = 0;
    for (let i = 0; i < 10; i++) {
      const sk = secretFrom(`nip19-${i}`);
      const pk = getPublicKey(sk);
      const nsec = encodeNsec(sk);
      const npub = encodeNpub(pk);
      expect(nsec).toBe(nip19.nsecEncode(sk));
      expect(npub).toBe(nip19.npubEncode(pk));
      const decodedSk = nip19.decode(nsec);
      expect(decodedSk.type).toBe('nsec');
      expect(hexOf(decodedSk.data as Uint8Array)).toBe(hexOf(sk));
      expect(nip19.decode(npub)).toEqual({ type: 'npub', data: pk });
      expect(hexOf(decodeNsec(nip19.nsecEncode(sk)))).toBe(hexOf(sk));
      expect(decodeNpub(nip19.npubEncode(pk))).toBe(pk);
      run++;
    }
    expect(run).toBe(10);
  });
});
