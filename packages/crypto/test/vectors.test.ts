/**
 * The test vectors (test-vectors/v1.json), the code and docs/PROTOCOL.md must agree.
 *
 * (a) The committed vectors equal what the generator produces from the code today.
 * (b) Every vector is re-checked through the public API, and where a vector lists
 *     intermediate values (shared secret, KEK, AAD, nonces) they are recomputed from the
 *     raw primitives, so the spec's step-by-step description is tested too.
 * (c) PROTOCOL.md's label and constants tables and its quoted examples match the code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  fixedBytes as generatedBytes,
  generateVectors,
  VECTORS_PATH,
  vectorUsesLabel,
} from '../scripts/generate-vectors.js';
import * as api from '../src/index.js';
import * as labels from '../src/labels.js';

// The vector file is JSON of known shape; `any` keeps the checks below readable.
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON
type Json = any;

const V: Json = JSON.parse(readFileSync(VECTORS_PATH, 'utf8'));
const PROTOCOL_MD = readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8');

const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const hex = api.toHex;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const lp = api.lengthPrefixed;
const one = (value: number): Uint8Array => new Uint8Array([value]);

/** A RandomSource that returns exactly these values in order. */
function scripted(...values: string[]): api.RandomSource {
  const queue = values.map(bytes);
  return (length) => {
    const next = queue.shift();
    if (!next || next.length !== length) throw new Error(`unexpected random request of ${length} bytes`);
    return next;
  };
}

/**
 * A sealed-for-readers vector sealed again from the randomness it records (object key, content
 * nonce, then each wrap's ephemeral key and nonce): must equal its envelope byte for byte.
 */
function resealed(v: Json, ctx: api.SealContext): unknown {
  const random = scripted(
    v.randomness.objectKeyHex,
    v.randomness.contentNonceHex,
    ...v.randomness.wraps.flatMap((w: Json) => [w.ephemeralSecretHex, w.nonceHex]),
  );
  return api.sealForReaders(
    api.utf8(v.plaintext),
    v.readers.map((x: Json) => x.publicKeyHex),
    ctx,
    random,
  );
}

/** Asserts that `fn` throws (or rejects with) a CryptoError with exactly `code`. */
async function expectCode(code: string, fn: () => unknown): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected CryptoError ${code}`).toBeInstanceOf(api.CryptoError);
  expect((caught as api.CryptoError).code).toBe(code);
}

const toRequest = (r: { url: string; method: string; body: string | null }): api.AuthRequest =>
  r.body === null ? { url: r.url, method: r.method } : { url: r.url, method: r.method, body: r.body };

/** Checks one ECIES wrap vector step by step and through the API. */
function checkWrap(w: Json): void {
  const ctx = { label: w.label, recordId: w.recordId };
  const wrap = bytes(w.wrapHex);
  expect(api.fromBase64url(w.wrapBase64url)).toEqual(wrap);
  expect(wrap.length).toBe(api.WRAP_LENGTH);
  expect(hex(api.unwrapKey(wrap, bytes(w.recipientSecretKeyHex), ctx))).toBe(w.keyHex);
  expect(api.getPublicKey(bytes(w.recipientSecretKeyHex))).toBe(w.recipientPublicKeyHex);
  // Step by step.
  const ephemeralPublic = secp256k1.getPublicKey(bytes(w.ephemeralSecretHex), true);
  expect(hex(ephemeralPublic)).toBe(w.ephemeralPublicKeyHex);
  expect(hex(api.sharedX(bytes(w.ephemeralSecretHex), bytes(w.recipientPublicKeyHex)))).toBe(w.sharedXHex);
  // The recipient gets the same x-coordinate from its own secret and the ephemeral point.
  const recipientSide = secp256k1
    .getSharedSecret(bytes(w.recipientSecretKeyHex), ephemeralPublic, true)
    .slice(1);
  expect(hex(recipientSide)).toBe(w.sharedXHex);
  const kek = hkdf(sha256, bytes(w.sharedXHex), api.utf8(api.PROTOCOL_SALT), api.utf8(w.label), 32);
  expect(hex(kek)).toBe(w.kekHex);
  const aad = api.concat(
    one(1),
    lp(w.label),
    lp(w.recordId),
    ephemeralPublic,
    bytes(w.recipientPublicKeyHex),
  );
  expect(hex(aad)).toBe(w.aadHex);
  expect(hex(xchacha20poly1305(kek, bytes(w.nonceHex), aad).decrypt(bytes(w.sealedHex)))).toBe(w.keyHex);
  expect(w.wrapHex).toBe(`01${w.ephemeralPublicKeyHex}${w.nonceHex}${w.sealedHex}`);
  // Same randomness, same bytes.
  const again = api.wrapKey(
    bytes(w.keyHex),
    w.recipientPublicKeyHex,
    ctx,
    scripted(w.ephemeralSecretHex, w.nonceHex),
  );
  expect(hex(again)).toBe(w.wrapHex);
}

// ---------------------------------------------------------------------------------------------
// (a) The committed file is what the code generates.
// ---------------------------------------------------------------------------------------------

describe('test-vectors/v1.json is up to date', () => {
  it('equals a fresh run of the generator', async () => {
    const fresh = JSON.parse(JSON.stringify(await generateVectors()));
    expect(
      fresh,
      'test-vectors/v1.json is stale: the code now produces different vectors. Run `npm run vectors` and review the diff.',
    ).toStrictEqual(V);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) Every vector, re-checked against the public API.
// ---------------------------------------------------------------------------------------------

describe('vectors: constants and primitives', () => {
  it('constants match the exports', () => {
    for (const [name, value] of Object.entries(V.constants))
      expect((api as Record<string, unknown>)[name], name).toBe(value);
  });

  it('length prefix, u16be, HKDF', () => {
    for (const c of V.primitives.lengthPrefix) expect(hex(lp(c.text))).toBe(c.hex);
    for (const c of V.primitives.u16be) expect(hex(api.u16be(c.value))).toBe(c.hex);
    const h = V.primitives.hkdf;
    expect(h.saltUtf8).toBe(api.PROTOCOL_SALT);
    expect(hex(api.deriveKey(bytes(h.inputKeyHex), h.info))).toBe(h.outputHex);
    expect(hex(hkdf(sha256, bytes(h.inputKeyHex), api.utf8(h.saltUtf8), api.utf8(h.info), 32))).toBe(
      h.outputHex,
    );
  });

  it('negatives', async () => {
    expect(V.primitives.negatives.length).toBeGreaterThan(0);
    for (const n of V.primitives.negatives) {
      expect(n.operation).toBe('lengthPrefix');
      await expectCode(n.expectError, () => lp(n.repeat.repeat(n.count)));
    }
  });
});

describe('vectors: keys', () => {
  it('secret key → x-only public key, nsec, npub, key id', () => {
    for (const k of V.keys.cases) {
      const secret = bytes(k.secretKeyHex);
      expect(api.getPublicKey(secret)).toBe(k.publicKeyHex);
      expect(api.encodeNsec(secret)).toBe(k.nsec);
      expect(hex(api.decodeNsec(k.nsec))).toBe(k.secretKeyHex);
      expect(api.encodeNpub(k.publicKeyHex)).toBe(k.npub);
      expect(api.decodeNpub(k.npub)).toBe(k.publicKeyHex);
      const full = secp256k1.getPublicKey(secret, true);
      expect(hex(full.subarray(1))).toBe(k.publicKeyHex);
      expect(full[0] === 2 ? 'even' : 'odd').toBe(k.pointParity);
      expect(k.keyIdInputHex).toBe(hex(api.concat(lp(api.LABEL_KEY_ID), bytes(k.publicKeyHex))));
      expect(hex(sha256(bytes(k.keyIdInputHex)).subarray(0, 16))).toBe(k.keyIdHex);
      expect(hex(api.keyIdOf(bytes(k.publicKeyHex)))).toBe(k.keyIdHex);
    }
  });

  it('negatives', async () => {
    const ops: Record<string, (input: string) => unknown> = {
      decodeNsec: api.decodeNsec,
      decodeNpub: api.decodeNpub,
      parsePublicKey: api.parsePublicKey,
    };
    for (const n of V.keys.negatives) await expectCode(n.expectError, () => ops[n.operation]!(n.input));
  });
});

describe('vectors: Schnorr (BIP-340)', () => {
  it('signs with the given aux and verifies', () => {
    for (const s of V.schnorr.cases) {
      const message = bytes(s.messageHex);
      expect(hex(api.signSchnorr(message, bytes(s.secretKeyHex), scripted(s.auxHex)))).toBe(s.signatureHex);
      expect(api.verifySchnorr(bytes(s.signatureHex), message, bytes(s.publicKeyHex))).toBe(true);
    }
  });

  it('invalid signatures verify false', () => {
    for (const s of V.schnorr.invalid)
      expect(api.verifySchnorr(bytes(s.signatureHex), bytes(s.messageHex), bytes(s.publicKeyHex))).toBe(
        s.expectValid,
      );
  });
});

describe('vectors: NIP-98 request auth', () => {
  it('builds the exact event and header, and verifies', () => {
    for (const c of V.nip98.cases) {
      const request = toRequest(c.request);
      const event = c.event as api.NostrEvent;
      expect(c.payloadHex).toBe(hex(sha256(api.utf8(c.request.body ?? ''))));
      expect(event.kind).toBe(api.HTTP_AUTH_KIND);
      expect(event.created_at).toBe(c.createdAt);
      expect(event.content).toBe('');
      expect(event.tags).toEqual([
        ['u', c.request.url],
        ['method', c.request.method],
        ['payload', c.payloadHex],
        ['nonce', c.nonceHex],
      ]);
      expect(c.serialization).toBe(
        JSON.stringify([0, event.pubkey, event.created_at, event.kind, event.tags, event.content]),
      );
      expect(hex(sha256(api.utf8(c.serialization)))).toBe(event.id);
      expect(api.eventId(event)).toBe(event.id);
      expect(api.verifyEvent(event)).toBe(true);
      expect(JSON.parse(c.eventJson)).toEqual(event);
      expect(c.header).toBe(`Nostr ${Buffer.from(c.eventJson, 'utf8').toString('base64')}`);
      expect(
        api.createAuthHeader(request, bytes(c.secretKeyHex), c.createdAt, scripted(c.nonceHex, c.auxHex)),
      ).toBe(c.header);
      for (const v of c.verify) expect(api.verifyAuthHeader(c.header, request, v.now)).toEqual(v.result);
    }
  });

  it('negatives', async () => {
    for (const n of V.nip98.negatives)
      await expectCode(n.expectError, () => api.verifyAuthHeader(n.header, toRequest(n.request), n.now));
  });

  it('replay: same event id each time, refused by the window after rememberUntil', async () => {
    const r = V.nip98.replay;
    const request = toRequest(r.request);
    const first = api.verifyAuthHeader(r.header, request, r.now);
    const second = api.verifyAuthHeader(r.header, request, r.now);
    expect(first.eventId).toBe(r.expectEventId);
    expect(second.eventId).toBe(r.expectEventId);
    expect(first.rememberUntil).toBe(r.rememberUntil);
    await expectCode(r.expectErrorAfterRememberUntil, () =>
      api.verifyAuthHeader(r.header, request, r.rememberUntil + 1),
    );
  });
});

describe('vectors: request keys (§5.4)', () => {
  const r = V.requestKey;
  const secret = bytes(r.requestKeySecretHex);
  const macInput = (c: Json) =>
    api.concat(
      lp(api.LABEL_REQUEST_MAC),
      lp(api.asciiUppercase(c.request.method)),
      lp(c.request.url),
      lp(c.bodySha256),
      lp(String(c.createdAt)),
      lp(c.nonceHex),
    );

  it('the request-key secret is derived from the server secret and the database-held seed', () => {
    const serverSecret = bytes(V.serverKeys.secretHex);
    const seed = bytes(V.serverKeys.requestKeySeedHex);
    expect(hex(api.deriveServerRequestKeySecret(serverSecret, seed))).toBe(r.requestKeySecretHex);
    expect(
      hex(
        hkdf(
          sha256,
          api.concat(serverSecret, seed),
          api.utf8(api.PROTOCOL_SALT),
          api.utf8(api.LABEL_SERVER_REQUEST_KEY),
          32,
        ),
      ),
    ).toBe(r.requestKeySecretHex);
    expect(V.serverKeys.requestKeySecretHex).toBe(r.requestKeySecretHex);
    expect(V.derivations.serverRequestKeySecret.outputHex).toBe(r.requestKeySecretHex);
  });

  it('issuing: key id, key and the JSON answer', () => {
    const i = r.issue;
    expect(i.publicKeyHex).toBe(V.keys.cases[0].publicKeyHex);
    expect(i.expiresAt).toBe(i.now + api.REQUEST_KEY_SECONDS);
    expect(i.keyId).toBe(`${i.publicKeyHex}.${i.expiresAt}.${i.keyNonceHex}`);
    expect(i.keyInputHex).toBe(hex(api.concat(lp(api.LABEL_REQUEST_KEY), api.utf8(i.keyId))));
    expect(hex(hmac(sha256, secret, bytes(i.keyInputHex)))).toBe(i.keyHex);
    expect(hex(api.requestKeyOf(secret, i.keyId))).toBe(i.keyHex);
    const issued = api.issueRequestKey(secret, i.publicKeyHex, i.now, scripted(i.keyNonceHex));
    expect({ keyId: issued.keyId, keyHex: hex(issued.key), expiresAt: issued.expiresAt }).toEqual({
      keyId: i.keyId,
      keyHex: i.keyHex,
      expiresAt: i.expiresAt,
    });
    expect(i.response).toEqual({
      keyId: i.keyId,
      key: i.keyHex,
      expiresAt: i.expiresAt,
      expiresIn: api.REQUEST_KEY_SECONDS,
    });
  });

  it('each request: body hash, MAC input, MAC and header, built and verified', () => {
    expect(r.cases.length).toBeGreaterThanOrEqual(2);
    for (const c of r.cases) {
      const request = toRequest(c.request);
      expect(c.keyId).toBe(r.issue.keyId);
      expect(hex(api.requestKeyOf(secret, c.keyId))).toBe(c.keyHex);
      expect(c.bodySha256).toBe(hex(sha256(api.utf8(c.request.body ?? ''))));
      expect(c.macInputHex, c.name).toBe(hex(macInput(c)));
      expect(hex(hmac(sha256, bytes(c.keyHex), bytes(c.macInputHex))), c.name).toBe(c.macHex);
      const fields = {
        method: c.request.method,
        url: c.request.url,
        bodySha256: c.bodySha256,
        createdAt: c.createdAt,
        nonce: c.nonceHex,
      };
      expect(hex(api.requestMac(bytes(c.keyHex), fields))).toBe(c.macHex);
      expect(c.header).toBe(`Llamenos-Key ${c.keyId}.${c.createdAt}.${c.nonceHex}.${c.macHex}`);
      expect(c.header.startsWith(`${api.REQUEST_KEY_SCHEME} `)).toBe(true);
      const key = { keyId: c.keyId, key: bytes(c.keyHex) };
      expect(api.createRequestKeyHeader(request, key, c.createdAt, scripted(c.nonceHex))).toBe(c.header);
      expect(c.verify.length).toBeGreaterThan(0);
      for (const v of c.verify) {
        expect(v.result).toEqual({
          pubkey: r.issue.publicKeyHex,
          eventId: c.macHex,
          createdAt: c.createdAt,
          rememberUntil: c.createdAt + api.AUTH_WINDOW_SECONDS,
        });
        expect(api.verifyRequestKeyHeader(c.header, request, secret, v.now)).toEqual(v.result);
      }
    }
  });

  it('negatives', async () => {
    expect(new Set(r.negatives.map((n: Json) => n.expectError))).toEqual(
      new Set(['AUTH_INVALID', 'AUTH_EXPIRED']),
    );
    for (const n of r.negatives)
      await expectCode(n.expectError, () =>
        api.verifyRequestKeyHeader(n.header, toRequest(n.request), secret, n.now),
      );
  });

  it('replay: the MAC is the id the cache refuses, until rememberUntil', async () => {
    const p = r.replay;
    const request = toRequest(p.request);
    const first = api.verifyRequestKeyHeader(p.header, request, secret, p.now);
    const second = api.verifyRequestKeyHeader(p.header, request, secret, p.now);
    expect(first.eventId).toBe(p.expectEventId);
    expect(second.eventId).toBe(p.expectEventId);
    expect(p.header.endsWith(`.${p.expectEventId}`)).toBe(true);
    expect(first.rememberUntil).toBe(p.rememberUntil);
    await expectCode(p.expectErrorAfterRememberUntil, () =>
      api.verifyRequestKeyHeader(p.header, request, secret, p.rememberUntil + 1),
    );
  });

  it("PROTOCOL.md's grammar accepts exactly the headers the code parses", () => {
    // The regular expression of §5.4, quoted on its own indented line.
    const line = PROTOCOL_MD.split('\n').find((l) => l.startsWith('    ^Llamenos-Key '));
    expect(line, 'PROTOCOL.md §5.4 states the header as a regular expression').toBeDefined();
    const grammar = new RegExp(line!.trim());
    const parses = (header: string) => {
      try {
        api.parseRequestKeyHeader(header);
        return true;
      } catch {
        return false;
      }
    };
    const headers = [...r.cases, ...r.negatives, r.replay].map((x: Json) => x.header as string);
    expect(headers.filter((h) => !parses(h)).length).toBeGreaterThan(10);
    for (const h of headers) expect(grammar.test(h), h).toBe(parses(h));
  });
});

describe('vectors: ECIES key wrap', () => {
  it('unwraps, and every intermediate value recomputes', () => {
    for (const w of V.ecies.cases) checkWrap(w);
  });

  it('negatives', async () => {
    for (const n of V.ecies.negatives)
      await expectCode(n.expectError, () =>
        api.unwrapKey(bytes(n.wrapHex), bytes(n.secretKeyHex), { label: n.label, recordId: n.recordId }),
      );
  });
});

describe('vectors: content encryption', () => {
  it('decrypts, and the padded plaintext and AAD recompute', () => {
    for (const c of V.content.cases) {
      const ctx = { label: c.label, recordId: c.recordId };
      const key = bytes(c.keyHex);
      const blob = bytes(c.blobHex);
      expect(api.fromBase64url(c.blobBase64url)).toEqual(blob);
      expect(hex(api.utf8(c.plaintext))).toBe(c.plaintextHex);
      expect(text(api.decryptContent(key, blob, ctx))).toBe(c.plaintext);
      const plain = bytes(c.plaintextHex);
      expect(hex(api.pad(plain))).toBe(c.paddedPlaintextHex);
      expect(c.paddedPlaintextHex.length / 2).toBe(4 + api.paddedLength(plain.length));
      expect(hex(api.concat(one(1), lp(c.label), lp(c.recordId)))).toBe(c.aadHex);
      expect(c.blobHex.slice(0, 50)).toBe(`01${c.nonceHex}`);
      const opened = xchacha20poly1305(key, bytes(c.nonceHex), bytes(c.aadHex)).decrypt(blob.subarray(25));
      expect(hex(opened)).toBe(c.paddedPlaintextHex);
      expect(hex(api.encryptContent(key, plain, ctx, scripted(c.nonceHex)))).toBe(c.blobHex);
    }
  });

  it('negatives', async () => {
    for (const n of V.content.negatives)
      await expectCode(n.expectError, () =>
        api.decryptContent(bytes(n.keyHex), bytes(n.blobHex), { label: n.label, recordId: n.recordId }),
      );
  });

  it('paddedLength table, against an integer-only reference', () => {
    const reference = (n: number): number => {
      if (n <= 32) return 32;
      let power = 1;
      while (power < n) power *= 2;
      const step = power <= 256 ? 32 : power / 8;
      return Math.ceil(n / step) * step;
    };
    for (const row of V.padding.table) {
      expect(api.paddedLength(row.n), `n = ${row.n}`).toBe(row.paddedLength);
      expect(reference(row.n), `n = ${row.n}`).toBe(row.paddedLength);
      expect(row.sealedBlobLength).toBe(1 + 24 + 4 + row.paddedLength + 16);
    }
  });
});

describe('vectors: sealed envelopes for readers', () => {
  const ctxOf = (c: { purpose: api.PurposeName; recordId: string }) => ({
    purpose: api.PURPOSES[c.purpose],
    recordId: c.recordId,
  });

  it('every reader opens; the same randomness gives the same envelope', () => {
    for (const r of [V.readers.recordA, V.readers.recordB]) {
      const ctx = ctxOf(r);
      expect(Object.keys(r.envelope).sort()).toEqual(['ciphertext', 'v', 'wraps']);
      expect(r.envelope.v).toBe(api.ENVELOPE_VERSION);
      expect(r.contentLabel).toBe(ctx.purpose.content);
      expect(r.wrapLabel).toBe(ctx.purpose.wrap);
      expect(r.envelope.wraps.map((w: Json) => w.reader)).toEqual(r.readers.map((x: Json) => x.publicKeyHex));
      for (const reader of r.readers) {
        expect(text(api.openAsReader(r.envelope, bytes(reader.secretKeyHex), ctx))).toBe(r.plaintext);
        expect(hex(api.unwrapReaderKey(r.envelope, bytes(reader.secretKeyHex), ctx))).toBe(
          r.randomness.objectKeyHex,
        );
      }
      const content = api.decryptContent(
        bytes(r.randomness.objectKeyHex),
        api.fromBase64url(r.envelope.ciphertext),
        {
          label: r.contentLabel,
          recordId: r.recordId,
        },
      );
      expect(text(content)).toBe(r.plaintext);
      expect(resealed(r, ctx)).toEqual(r.envelope);
    }
  });

  it('granting a new reader', () => {
    const a = V.readers.recordA;
    const g = V.readers.grant;
    const ctx = ctxOf(a);
    const wrap = api.wrapForNewReader(
      a.envelope,
      bytes(g.grantorSecretKeyHex),
      g.newReader.publicKeyHex,
      ctx,
      scripted(g.ephemeralSecretHex, g.nonceHex),
    );
    expect(wrap).toEqual(g.wrap);
    const extended = { ...a.envelope, wraps: [...a.envelope.wraps, g.wrap] };
    expect(text(api.openAsReader(extended, bytes(g.newReader.secretKeyHex), ctx))).toBe(a.plaintext);
    expect(() => api.openAsReader(a.envelope, bytes(g.newReader.secretKeyHex), ctx)).toThrow(api.CryptoError);
  });

  it('negatives', async () => {
    for (const n of V.readers.negatives)
      await expectCode(n.expectError, () => api.openAsReader(n.envelope, bytes(n.secretKeyHex), ctxOf(n)));
  });
});

describe('vectors: hub key and real-time events', () => {
  const h = V.hubKey;

  it('wrap, event key, event content, event', () => {
    checkWrap(h.wrap);
    expect(h.wrap.label).toBe(api.LABEL_HUB_KEY_WRAP);
    expect(h.wrap.recordId).toBe(api.hubKeyRecordId(h.hubKeyId));
    expect(h.wrap.keyHex).toBe(h.hubKeyHex);
    expect(
      hex(api.unwrapHubKey(bytes(h.wrap.wrapHex), bytes(h.wrap.recipientSecretKeyHex), h.hubKeyId)),
    ).toBe(h.hubKeyHex);
    expect(
      hex(
        api.wrapHubKey(
          bytes(h.hubKeyHex),
          h.wrap.recipientPublicKeyHex,
          h.hubKeyId,
          scripted(h.wrap.ephemeralSecretHex, h.wrap.nonceHex),
        ),
      ),
    ).toBe(h.wrap.wrapHex);
    const eventKey = bytes(h.eventKeyHex);
    expect(hex(api.deriveEventKey(bytes(h.hubKeyHex)))).toBe(h.eventKeyHex);
    expect(hex(api.deriveKey(bytes(h.hubKeyHex), api.LABEL_HUB_EVENT))).toBe(h.eventKeyHex);
    expect(api.decryptHubEvent(eventKey, h.event.content)).toBe(h.event.payloadJson);
    expect(hex(api.concat(one(1), lp(api.LABEL_HUB_EVENT), lp('')))).toBe(h.event.aadHex);
    expect(hex(api.fromBase64url(h.event.content))).toBe(h.event.contentHex);
    expect(
      text(
        api.decryptContent(eventKey, bytes(h.event.contentHex), { label: api.LABEL_HUB_EVENT, recordId: '' }),
      ),
    ).toBe(h.event.payloadJson);
    expect(api.encryptHubEvent(eventKey, h.event.payloadJson, scripted(h.event.nonceHex))).toBe(
      h.event.content,
    );
    const e = h.nostrEvent.event as api.NostrEvent;
    expect(api.verifyEvent(e)).toBe(true);
    expect(e.kind).toBe(20001);
    expect(e.tags).toEqual([['t', 'llamenos:event']]);
    expect(e.content).toBe(h.event.content);
    expect(e.pubkey).toBe(V.serverKeys.nostr.publicKeyHex);
    expect(hex(sha256(api.utf8(h.nostrEvent.serialization)))).toBe(e.id);
  });

  it('negatives', async () => {
    for (const n of h.negatives) {
      if (n.operation === 'unwrapHubKey')
        await expectCode(n.expectError, () =>
          api.unwrapHubKey(bytes(n.wrapHex), bytes(n.secretKeyHex), n.hubKeyId),
        );
      else await expectCode(n.expectError, () => api.decryptHubEvent(bytes(n.eventKeyHex), n.content));
    }
  });
});

describe('vectors: streaming file encryption', () => {
  const s = V.stream;
  const f = s.file;
  const ctx = { label: f.label, recordId: f.recordId };
  const key = bytes(f.keyHex);

  it('decrypts; header, AAD, nonces and chunks recompute', () => {
    const plaintext = bytes(f.plaintextHex);
    expect(plaintext.length).toBe(f.plaintextLength);
    plaintext.forEach((b, i) => {
      if (b !== i % 251) throw new Error(`plaintext byte ${i}`);
    });
    expect(f.headerHex).toBe(`01${(f.chunkLog2 as number).toString(16).padStart(2, '0')}${f.noncePrefixHex}`);
    expect(f.headerHex.length / 2).toBe(api.STREAM_HEADER_LENGTH);
    const aad = api.concat(bytes(f.headerHex), lp(f.label), lp(f.recordId));
    expect(hex(aad)).toBe(f.aadHex);
    const chunkSize = 2 ** f.chunkLog2;
    f.chunks.forEach((c: Json, i: number) => {
      expect(c.index).toBe(i);
      expect(c.last).toBe(i === f.chunks.length - 1);
      expect(c.nonceHex).toBe(hex(api.concat(bytes(f.noncePrefixHex), api.u32be(i), one(c.last ? 1 : 0))));
      const opened = xchacha20poly1305(key, bytes(c.nonceHex), aad).decrypt(bytes(c.sealedHex));
      expect(opened.length).toBe(c.plaintextLength);
      expect(hex(opened)).toBe(hex(plaintext.subarray(i * chunkSize, i * chunkSize + c.plaintextLength)));
    });
    expect(f.blobHex).toBe(f.headerHex + f.chunks.map((c: Json) => c.sealedHex).join(''));
    expect(hex(api.decryptBuffer(key, bytes(f.blobHex), ctx))).toBe(f.plaintextHex);
    expect(hex(api.encryptBuffer(key, plaintext, ctx, f.chunkLog2, scripted(f.noncePrefixHex)))).toBe(
      f.blobHex,
    );
  });

  it('the TransformStream API reads the same bytes in odd-sized pieces', async () => {
    const blob = bytes(f.blobHex);
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < blob.length; i += 7) pieces.push(blob.slice(i, i + 7));
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of pieces) controller.enqueue(p);
        controller.close();
      },
    });
    const out: Uint8Array[] = [];
    const reader = source.pipeThrough(api.decryptStream(key, ctx)).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out.push(value);
    }
    expect(hex(api.concat(...out))).toBe(f.plaintextHex);
  });

  it('small files', () => {
    for (const c of s.small) {
      const cctx = { label: c.label, recordId: c.recordId };
      expect(hex(api.decryptBuffer(bytes(c.keyHex), bytes(c.blobHex), cctx))).toBe(c.plaintextHex);
      expect(
        hex(
          api.encryptBuffer(
            bytes(c.keyHex),
            bytes(c.plaintextHex),
            cctx,
            c.chunkLog2,
            scripted(c.noncePrefixHex),
          ),
        ),
      ).toBe(c.blobHex);
    }
    expect(hex(api.decryptBuffer(key, bytes(s.otherFile.blobHex), ctx))).toBe(f.plaintextHex);
  });

  it('negatives', async () => {
    for (const n of s.negatives)
      await expectCode(n.expectError, () =>
        api.decryptBuffer(bytes(n.keyHex), bytes(n.blobHex), { label: n.label, recordId: n.recordId }),
      );
  });
});

describe('vectors: PIN lock', () => {
  const p = V.pinLock;

  it('unlocks; head, KEK and AAD recompute', async () => {
    const blob = bytes(p.blobHex);
    expect(api.fromBase64url(p.blobBase64url)).toEqual(blob);
    expect(blob.length).toBe(api.PIN_LOCK_LENGTH);
    expect(hex(await api.unlockWithPin(blob, p.pin))).toBe(p.secretKeyHex);
    for (const e of p.equivalentPins) expect(hex(await api.unlockWithPin(blob, e.pin))).toBe(p.secretKeyHex);
    expect(hex(api.pinBytes(p.pin))).toBe(p.pinUtf8Hex);
    expect(p.iterations).toBe(api.MIN_PIN_ITERATIONS);
    expect(p.keyIdHex).toBe(hex(api.keyIdOf(bytes(p.publicKeyHex))));
    expect(p.headHex).toBe(`01${hex(api.u32be(p.iterations))}${p.saltHex}${p.keyIdHex}`);
    expect(p.blobHex.startsWith(p.headHex + p.nonceHex)).toBe(true);
    const kek = await api.pbkdf2Sha256(bytes(p.pinUtf8Hex), bytes(p.saltHex), p.iterations);
    expect(hex(kek)).toBe(p.kekHex);
    expect(hex(api.concat(lp(api.LABEL_PIN_LOCK), bytes(p.headHex)))).toBe(p.aadHex);
    const opened = xchacha20poly1305(kek, bytes(p.nonceHex), bytes(p.aadHex)).decrypt(blob.subarray(61));
    expect(hex(opened)).toBe(p.secretKeyHex);
    const inspected = api.inspectPinLock(blob);
    expect(inspected.iterations).toBe(p.iterations);
    expect(hex(inspected.keyId)).toBe(p.keyIdHex);
  });

  it('negatives', async () => {
    for (const n of p.negatives)
      await expectCode(n.expectError, () => api.unlockWithPin(bytes(n.blobHex), n.pin));
  });
});

describe('vectors: recovery key', () => {
  const r = V.recovery;

  it('text form, lock, KEK and AAD', () => {
    const key = bytes(r.recoveryKeyHex);
    expect(api.formatRecoveryKey(key)).toBe(r.text);
    expect(hex(api.parseRecoveryKey(r.text))).toBe(r.recoveryKeyHex);
    for (const t of r.equivalentTexts) expect(hex(api.parseRecoveryKey(t))).toBe(r.recoveryKeyHex);
    expect(hex(sha256(api.concat(lp(api.LABEL_RECOVERY_CHECK), key)).subarray(0, 2))).toBe(r.checksumHex);
    const compact = r.text.replace(/-/g, '');
    expect(compact).toMatch(/^[A-Z2-7]{29}$/);
    expect(hex(api.unlockWithRecoveryKey(bytes(r.blobHex), key))).toBe(r.secretKeyHex);
    expect(api.fromBase64url(r.blobBase64url)).toEqual(bytes(r.blobHex));
    expect(hex(api.deriveKey(key, api.LABEL_RECOVERY_LOCK))).toBe(r.kekHex);
    const publicKey = api.getPublicKeyBytes(bytes(r.secretKeyHex));
    expect(r.headHex).toBe(`01${hex(api.keyIdOf(publicKey))}`);
    expect(hex(api.concat(lp(api.LABEL_RECOVERY_LOCK), bytes(r.headHex)))).toBe(r.aadHex);
    const blob = bytes(r.blobHex);
    expect(blob.length).toBe(api.RECOVERY_LOCK_LENGTH);
    expect(r.blobHex.startsWith(r.headHex + r.nonceHex)).toBe(true);
    const opened = xchacha20poly1305(bytes(r.kekHex), bytes(r.nonceHex), bytes(r.aadHex)).decrypt(
      blob.subarray(41),
    );
    expect(hex(opened)).toBe(r.secretKeyHex);
    expect(hex(api.lockWithRecoveryKey(bytes(r.secretKeyHex), key, scripted(r.nonceHex)))).toBe(r.blobHex);
  });

  it('negatives', async () => {
    for (const n of r.parseNegatives) await expectCode(n.expectError, () => api.parseRecoveryKey(n.text));
    for (const n of r.negatives)
      await expectCode(n.expectError, () =>
        api.unlockWithRecoveryKey(bytes(n.blobHex), bytes(n.recoveryKeyHex)),
      );
  });
});

describe('vectors: keyed hashes', () => {
  const k = V.keyedHash;

  it('phone numbers and IP addresses', () => {
    const secret = bytes(k.secretHex);
    expect(k.secretHex).toBe(V.serverKeys.hashKeyHex);
    for (const c of k.cases) {
      const label = c.kind === 'phone' ? api.LABEL_PHONE_HASH : api.LABEL_IP_HASH;
      if (c.kind === 'phone') {
        expect(api.normalizePhone(c.input)).toBe(c.normalized);
        expect(api.phoneLast4(c.input)).toBe(c.last4);
        expect(api.hashPhone(secret, c.input)).toBe(c.hashHex);
      } else {
        expect(api.hashIp(secret, c.input)).toBe(c.hashHex);
      }
      expect(hex(api.concat(lp(label), api.utf8(c.normalized)))).toBe(c.messageHex);
      expect(hex(hmac(sha256, secret, bytes(c.messageHex)))).toBe(c.hashHex);
      expect(api.keyedHash(secret, label, c.normalized)).toBe(c.hashHex);
    }
    const phones = k.cases.filter((c: Json) => c.kind === 'phone');
    expect(new Set(phones.map((c: Json) => c.hashHex)).size).toBe(1);
  });

  it('negatives', async () => {
    for (const n of k.negatives)
      await expectCode(n.expectError, () =>
        n.kind === 'phone'
          ? api.hashPhone(bytes(n.secretHex), n.input)
          : api.hashIp(bytes(n.secretHex), n.input),
      );
  });
});

describe('vectors: audit chain', () => {
  const a = V.audit;

  it('canonical JSON, entry hashes, verdict', () => {
    expect(a.genesisHash).toBe(api.AUDIT_GENESIS_HASH);
    let previous = api.AUDIT_GENESIS_HASH;
    for (const c of a.chain) {
      expect(c.previousHash).toBe(previous);
      expect(api.canonicalJson(c.entry)).toBe(c.canonicalJson);
      expect(
        hex(api.concat(lp(api.LABEL_AUDIT_CHAIN), bytes(c.previousHash), api.utf8(c.canonicalJson))),
      ).toBe(c.messageHex);
      expect(hex(sha256(bytes(c.messageHex)))).toBe(c.hash);
      expect(api.auditEntryHash(c.previousHash, c.entry)).toBe(c.hash);
      previous = c.hash;
    }
    const entries = a.chain.map((c: Json) => ({
      seq: c.seq,
      previousHash: c.previousHash,
      hash: c.hash,
      entry: c.entry,
    }));
    expect(api.verifyAuditChain(entries)).toEqual(a.verdict);
    expect(a.verdict).toEqual({ ok: true, count: a.chain.length });
    for (const n of a.chainNegatives) expect(api.verifyAuditChain(n.entries)).toEqual(n.expectVerdict);
  });

  it('negatives', async () => {
    for (const n of a.canonicalNegatives) await expectCode(n.expectError, () => api.canonicalJson(n.value));
  });
});

describe('vectors: server-derived keys', () => {
  const s = V.serverKeys;

  it('Nostr key, hash key, settings key, request-key secret', () => {
    const secret = bytes(s.secretHex);
    expect(hex(api.deriveServerNostrKey(secret))).toBe(s.nostr.secretKeyHex);
    expect(s.nostr.inputKeyHex).toBe(s.secretHex + hex(api.u32be(s.nostr.counter)));
    expect(hex(api.deriveKey(bytes(s.nostr.inputKeyHex), api.LABEL_SERVER_NOSTR_KEY))).toBe(
      s.nostr.secretKeyHex,
    );
    expect(api.getPublicKey(bytes(s.nostr.secretKeyHex))).toBe(s.nostr.publicKeyHex);
    expect(api.encodeNpub(s.nostr.publicKeyHex)).toBe(s.nostr.npub);
    expect(hex(api.deriveServerHashKey(secret))).toBe(s.hashKeyHex);
    expect(hex(api.deriveKey(secret, api.LABEL_SERVER_HASH_KEY))).toBe(s.hashKeyHex);
    expect(hex(api.deriveServerSettingsKey(secret))).toBe(s.settingsKeyHex);
    expect(hex(api.deriveKey(secret, api.LABEL_SERVER_SETTINGS_KEY))).toBe(s.settingsKeyHex);
    const seed = bytes(s.requestKeySeedHex);
    expect(hex(api.deriveServerRequestKeySecret(secret, seed))).toBe(s.requestKeySecretHex);
    expect(hex(api.deriveKey(api.concat(secret, seed), api.LABEL_SERVER_REQUEST_KEY))).toBe(
      s.requestKeySecretHex,
    );
    expect(() => api.deriveServerRequestKeySecret(secret, seed.subarray(1))).toThrow(/seed must be 32 bytes/);
    const f = s.fieldAtRest;
    expect(f.keyHex).toBe(s.settingsKeyHex);
    expect(f.label).toBe(api.LABEL_SERVER_FIELD);
    const opened = api.decryptContent(bytes(f.keyHex), api.fromBase64url(f.blobBase64url), {
      label: f.label,
      recordId: f.recordId,
    });
    expect(text(opened)).toBe(f.plaintext);
    expect(hex(api.encryptContent(bytes(f.keyHex), bytes(f.plaintextHex), f, scripted(f.nonceHex)))).toBe(
      f.blobHex,
    );
  });

  it('negatives', async () => {
    for (const n of s.negatives)
      await expectCode(n.expectError, () => api.deriveServerHashKey(bytes(n.secretHex)));
  });
});

describe('vectors: every label has a positive vector', () => {
  const defined = Object.entries<unknown>(labels).filter(
    (entry): entry is [string, string] => entry[0].startsWith('LABEL_') && typeof entry[1] === 'string',
  );

  it('the label index lists every label of labels.ts with its value, and nothing else', () => {
    expect(defined.length).toBeGreaterThan(30);
    const index = new Map<string, Json>((V.labels ?? []).map((l: Json) => [l.name, l]));
    for (const [name, value] of defined) {
      expect(index.get(name), `${name} has an entry in v1.json "labels": add a vector for it`).toBeDefined();
      expect(index.get(name).value).toBe(value);
      expect(['used', 'reserved']).toContain(index.get(name).status);
    }
    expect(index.size).toBe(defined.length);
  });

  it('each listed vector is a positive vector that uses the label', () => {
    for (const l of V.labels) {
      expect(l.vectors.length, l.name).toBeGreaterThan(0);
      for (const path of l.vectors)
        expect(vectorUsesLabel(V, path, l.value), `${l.name}: ${path} uses it and is positive`).toBe(true);
    }
  });

  it('a label is "used" exactly when code outside the vectors names it', () => {
    const roots = ['../src', '../../../apps/server/src', '../../../apps/web/src', '../../protocol/src'];
    const sources = roots
      .flatMap((root) => {
        const dir = new URL(`${root}/`, import.meta.url);
        return readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && !f.endsWith('labels.ts'))
          .map((f) => readFileSync(new URL(f, dir), 'utf8'));
      })
      .join('\n');
    const purposeUsed = (purpose: string) => new RegExp(`PURPOSES\\.${purpose}\\b`).test(sources);
    for (const l of V.labels) {
      const purpose = Object.entries(api.PURPOSES).find(
        ([, p]) => p.content === l.value || p.wrap === l.value,
      );
      const used = new RegExp(`\\b${l.name}\\b`).test(sources) || (purpose ? purposeUsed(purpose[0]) : false);
      expect(l.status, `${l.name} is ${used ? 'used' : 'not used'} by the code`).toBe(
        used ? 'used' : 'reserved',
      );
    }
  });
});

describe('vectors: purposes as the application uses them', () => {
  const checkContent = (c: Json) => {
    const ctx = { label: c.label, recordId: c.recordId };
    expect(text(api.decryptContent(bytes(c.keyHex), api.fromBase64url(c.blobBase64url), ctx))).toBe(
      c.plaintext,
    );
    expect(hex(api.concat(one(1), lp(c.label), lp(c.recordId)))).toBe(c.aadHex);
    expect(hex(api.encryptContent(bytes(c.keyHex), api.utf8(c.plaintext), ctx, scripted(c.nonceHex)))).toBe(
      c.blobHex,
    );
  };
  const checkSmallStream = (c: Json) => {
    const ctx = { label: c.label, recordId: c.recordId };
    expect(hex(api.decryptBuffer(bytes(c.keyHex), bytes(c.blobHex), ctx))).toBe(c.plaintextHex);
    expect(
      hex(
        api.encryptBuffer(
          bytes(c.keyHex),
          bytes(c.plaintextHex),
          ctx,
          c.chunkLog2,
          scripted(c.noncePrefixHex),
        ),
      ),
    ).toBe(c.blobHex);
  };

  it('every purpose of PURPOSES has a vector with its labels and a wrap of its object key', () => {
    expect(Object.keys(V.purposes ?? {}).sort()).toEqual(Object.keys(api.PURPOSES).sort());
    for (const [name, p] of Object.entries<Json>(V.purposes)) {
      const purpose = api.PURPOSES[name as api.PurposeName];
      expect(p.contentLabel).toBe(purpose.content);
      expect(p.wrapLabel).toBe(purpose.wrap);
      expect(p.wrap.label).toBe(purpose.wrap);
      expect(p.wrap.recordId).toBe(p.recordId);
      expect(p.wrap.keyHex).toBe(p.objectKeyHex);
      checkWrap(p.wrap);
      const body = [p.content, p.stream].filter(Boolean);
      expect(body.length, name).toBeGreaterThan(0);
      for (const b of body) {
        expect(b.label).toBe(purpose.content);
        expect(b.recordId).toBe(p.recordId);
        expect(b.keyHex).toBe(p.objectKeyHex);
      }
      if (p.content) checkContent(p.content);
      if (p.stream?.blobHex) checkSmallStream(p.stream);
    }
    expect(V.purposes.note.recordId).toMatch(/^note:[0-9a-f-]{36}:v1$/);
    expect(V.purposes.callMeta.recordId).toMatch(/^call-meta:[0-9a-f-]{36}$/);
    expect(V.purposes.voicemail.recordId).toMatch(/^voicemail:[0-9a-f-]{36}$/);
    expect(V.purposes.export.recordId).toMatch(/^export:[0-9a-f-]{36}$/);
    expect(JSON.parse(V.purposes.callMeta.content.plaintext).v).toBe(1);
  });

  it('a multi-chunk file at the default chunk size, given by generator and digest', async () => {
    const s = V.purposes.voicemail.stream;
    expect(s.chunkLog2).toBe(api.DEFAULT_CHUNK_LOG2);
    expect(s.chunks.length).toBeGreaterThanOrEqual(3);
    const plaintext = generatedBytes(s.plaintext.seed, s.plaintext.length);
    expect(hex(plaintext.subarray(0, 32))).toBe(s.plaintext.first32Hex);
    expect(hex(sha256(plaintext))).toBe(s.plaintext.sha256Hex);
    const ctx = { label: s.label, recordId: s.recordId };
    const key = bytes(s.keyHex);
    const blob = api.encryptBuffer(key, plaintext, ctx, s.chunkLog2, scripted(s.noncePrefixHex));
    expect(blob.length).toBe(s.blobLength);
    expect(hex(sha256(blob))).toBe(s.blobSha256Hex);
    expect(hex(blob.subarray(0, api.STREAM_HEADER_LENGTH))).toBe(s.headerHex);
    expect(s.headerHex).toBe(`01${s.chunkLog2.toString(16).padStart(2, '0')}${s.noncePrefixHex}`);
    expect(hex(api.concat(bytes(s.headerHex), lp(s.label), lp(s.recordId)))).toBe(s.aadHex);
    const chunkSize = 2 ** s.chunkLog2;
    let offset = api.STREAM_HEADER_LENGTH;
    for (const [i, c] of s.chunks.entries()) {
      expect(c.index).toBe(i);
      expect(c.last).toBe(i === s.chunks.length - 1);
      expect(c.plaintextLength).toBe(Math.min(chunkSize, s.plaintext.length - i * chunkSize));
      expect(c.nonceHex).toBe(hex(api.concat(bytes(s.noncePrefixHex), api.u32be(i), one(c.last ? 1 : 0))));
      const sealed = xchacha20poly1305(key, bytes(c.nonceHex), bytes(s.aadHex)).encrypt(
        plaintext.subarray(i * chunkSize, i * chunkSize + c.plaintextLength),
      );
      expect(hex(sealed.subarray(0, 16))).toBe(c.sealedHeadHex);
      expect(hex(sealed.subarray(sealed.length - 16))).toBe(c.tagHex);
      expect(hex(blob.subarray(offset, offset + sealed.length))).toBe(hex(sealed));
      offset += sealed.length;
    }
    expect(offset).toBe(s.blobLength);
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < blob.length; i += 50_000) controller.enqueue(blob.slice(i, i + 50_000));
        controller.close();
      },
    });
    const out: Uint8Array[] = [];
    const reader = source.pipeThrough(api.decryptStream(key, ctx)).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value);
    expect(hex(sha256(api.concat(...out)))).toBe(s.plaintext.sha256Hex);
  });

  it('derivations, drafts, provider secrets and reserved labels', () => {
    for (const d of Object.values<Json>(V.derivations)) {
      expect(hex(api.deriveKey(bytes(d.inputKeyHex), d.label, d.length)), d.name).toBe(d.outputHex);
      expect(
        hex(hkdf(sha256, bytes(d.inputKeyHex), api.utf8(api.PROTOCOL_SALT), api.utf8(d.label), d.length)),
      ).toBe(d.outputHex);
    }
    const d = V.derivations;
    expect(d.hubEventKey.outputHex).toBe(V.hubKey.eventKeyHex);
    expect(d.hubEventKey.inputKeyHex).toBe(V.hubKey.hubKeyHex);
    expect(d.serverNostrKey.outputHex).toBe(V.serverKeys.nostr.secretKeyHex);
    expect(d.serverHashKey.outputHex).toBe(V.serverKeys.hashKeyHex);
    expect(d.serverSettingsKey.outputHex).toBe(V.serverKeys.settingsKeyHex);
    expect(d.serverRequestKeySecret.outputHex).toBe(V.serverKeys.requestKeySecretHex);
    expect(d.recoveryLockKek.outputHex).toBe(V.recovery.kekHex);
    expect(d.simulatorCarrier.length).toBe(48);
    expect(d.simulatorCarrier.accountSid).toBe(`AC${d.simulatorCarrier.outputHex.slice(0, 32)}`);
    expect(d.simulatorCarrier.authToken).toBe(d.simulatorCarrier.outputHex.slice(32));
    expect(d.draftKey.inputKeyHex).toBe(V.drafts.secretKeyHex);
    expect(V.drafts.draftKeyHex).toBe(d.draftKey.outputHex);
    expect(V.drafts.content.keyHex).toBe(V.drafts.draftKeyHex);
    expect(V.drafts.content.recordId).toMatch(/^draft:[0-9a-f-]{36}$/);
    checkContent(V.drafts.content);
    expect(V.serverKeys.providerSecret.keyHex).toBe(V.serverKeys.settingsKeyHex);
    checkContent(V.serverKeys.providerSecret);
    checkContent(V.reserved.voicemailContent);
    expect(V.recovery.checksumInputHex).toBe(
      hex(api.concat(lp(api.LABEL_RECOVERY_CHECK), bytes(V.recovery.recoveryKeyHex))),
    );
    expect(hex(sha256(bytes(V.recovery.checksumInputHex)).subarray(0, 2))).toBe(V.recovery.checksumHex);
  });
});

describe('vectors: reports, replies and an attachment upload (§9.4, §10.2)', () => {
  const R = V.reports;

  it('a report and a reply are envelopes every reader opens, and seal again byte for byte', () => {
    for (const [sealed, prefix] of [
      [R.report, 'report:'],
      [R.reply, 'report-reply:'],
    ] as const) {
      expect(sealed.purpose).toBe('report');
      expect(sealed.recordId).toMatch(
        new RegExp(`^${prefix}[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
      );
      const ctx = { purpose: api.PURPOSES.report, recordId: sealed.recordId };
      for (const r of sealed.readers)
        expect(text(api.openAsReader(sealed.envelope, bytes(r.secretKeyHex), ctx))).toBe(sealed.plaintext);
      expect(resealed(sealed, ctx)).toEqual(sealed.envelope);
      expect(JSON.parse(sealed.plaintext).v).toBe(1);
    }
    // A reply is not a report: the record id is bound, so one never opens as the other.
    const admin = R.report.readers[1];
    expect(() =>
      api.openAsReader(R.reply.envelope, bytes(admin.secretKeyHex), {
        purpose: api.PURPOSES.report,
        recordId: R.report.recordId,
      }),
    ).toThrow(api.CryptoError);
    // The attachment the report lists is the one below, with its exact size.
    const meta = JSON.parse(R.report.plaintext).attachments[0];
    expect(`attachment:${meta.id}`).toBe(R.attachment.recordId);
    expect(meta.size).toBe(R.attachment.file.size);
  });

  it('the attachment: padding, header, chunks as uploaded, and the wraps of its file key', () => {
    const a = R.attachment;
    expect(a.label).toBe(api.PURPOSES.attachment.content);
    expect(a.recordId).toMatch(/^attachment:[0-9a-f-]{36}$/);
    const file = generatedBytes(a.file.seed, a.file.size);
    expect(hex(file.subarray(0, 32))).toBe(a.file.first32Hex);
    expect(hex(sha256(file))).toBe(a.file.sha256Hex);
    // §10.2: 64 KiB at least, else rounded up to a multiple of 2^(floor(log2 n) − 3).
    const log2 = Math.floor(Math.log2(a.file.size));
    expect(a.paddedLength).toBe(Math.ceil(a.file.size / 2 ** (log2 - 3)) * 2 ** (log2 - 3));
    const padded = new Uint8Array(a.paddedLength);
    padded.set(file);
    expect(hex(sha256(padded))).toBe(a.paddedSha256Hex);

    const key = bytes(a.keyHex);
    const ctx = { label: a.label, recordId: a.recordId };
    const blob = api.encryptBuffer(key, padded, ctx, a.chunkLog2, scripted(a.noncePrefixHex));
    expect(blob.length).toBe(a.blobLength);
    expect(hex(sha256(blob))).toBe(a.blobSha256Hex);
    expect(a.headerHex).toBe(`01${a.chunkLog2.toString(16).padStart(2, '0')}${a.noncePrefixHex}`);
    expect(api.toBase64url(bytes(a.headerHex))).toBe(a.headerBase64url);
    expect(hex(api.concat(bytes(a.headerHex), lp(a.label), lp(a.recordId)))).toBe(a.aadHex);
    expect(a.chunkCount).toBe(Math.ceil(a.paddedLength / 2 ** a.chunkLog2));
    expect(a.chunks.length).toBe(a.chunkCount);
    let offset = api.STREAM_HEADER_LENGTH;
    for (const [i, c] of a.chunks.entries()) {
      expect(c.index).toBe(i);
      expect(c.last).toBe(i === a.chunkCount - 1);
      expect(c.sealedLength).toBe(c.plaintextLength + 16);
      expect(c.nonceHex).toBe(hex(api.concat(bytes(a.noncePrefixHex), api.u32be(i), one(c.last ? 1 : 0))));
      const sealed = blob.subarray(offset, offset + c.sealedLength);
      expect(hex(sealed.subarray(0, 16))).toBe(c.sealedHeadHex);
      expect(hex(sealed.subarray(sealed.length - 16))).toBe(c.tagHex);
      expect(hex(sha256(sealed))).toBe(c.sealedSha256Hex);
      const start = i * 2 ** a.chunkLog2;
      const opened = xchacha20poly1305(key, bytes(c.nonceHex), bytes(a.aadHex)).decrypt(sealed);
      expect(hex(opened)).toBe(hex(padded.subarray(start, start + c.plaintextLength)));
      offset += c.sealedLength;
    }
    expect(offset).toBe(a.blobLength);
    // The uploaded file opens to the padded plaintext; the reader keeps the first `size` bytes.
    expect(hex(sha256(api.decryptBuffer(key, blob, ctx).subarray(0, a.file.size)))).toBe(a.file.sha256Hex);
    expect(a.wraps.map((w: Json) => w.recipientPublicKeyHex)).toEqual(
      R.report.readers.map((r: Json) => r.publicKeyHex),
    );
    for (const w of a.wraps) {
      expect(w.label).toBe(api.PURPOSES.attachment.wrap);
      expect(w.recordId).toBe(a.recordId);
      expect(w.keyHex).toBe(a.keyHex);
      checkWrap(w);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (c) docs/PROTOCOL.md agrees with the code.
// ---------------------------------------------------------------------------------------------

/** Rows (name → value) of the first markdown table after the heading `heading`; backticks stripped. */
function tableAfter(heading: string): Map<string, string> {
  const lines = PROTOCOL_MD.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  expect(start, `PROTOCOL.md has no heading "${heading}"`).toBeGreaterThanOrEqual(0);
  const rows = new Map<string, string>();
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (!line.startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim().replace(/^`|`$/g, ''));
    const [name, value] = cells;
    if (!name || !value || /^-+$/.test(name.replace(/:/g, '')) || name === 'Name') continue;
    expect(rows.has(name), `duplicate row ${name}`).toBe(false);
    rows.set(name, value);
  }
  return rows;
}

describe('docs/PROTOCOL.md agrees with the code', () => {
  it('label table lists every label constant with its exact value, and nothing else', () => {
    const table = tableAfter('## Labels');
    const defined = Object.entries(labels).filter(
      ([name, value]) => typeof value === 'string' && (name.startsWith('LABEL_') || name === 'PROTOCOL_SALT'),
    );
    expect(defined.length).toBeGreaterThan(20);
    for (const [name, value] of defined) expect(table.get(name), `label ${name} in PROTOCOL.md`).toBe(value);
    for (const name of table.keys())
      expect(name in labels, `PROTOCOL.md lists unknown label ${name}`).toBe(true);
  });

  it('constants table matches the exported constants', () => {
    const table = tableAfter('## Constants');
    const required = [
      'WRAP_VERSION',
      'WRAP_LENGTH',
      'CONTENT_VERSION',
      'ENVELOPE_VERSION',
      'STREAM_VERSION',
      'STREAM_HEADER_LENGTH',
      'PIN_LOCK_VERSION',
      'PIN_LOCK_LENGTH',
      'RECOVERY_LOCK_VERSION',
      'RECOVERY_LOCK_LENGTH',
      'MIN_PIN_ITERATIONS',
      'MAX_PIN_ITERATIONS',
      'AUTH_WINDOW_SECONDS',
      'HTTP_AUTH_KIND',
      'REQUEST_KEY_SCHEME',
      'REQUEST_KEY_SECONDS',
    ];
    for (const name of required) expect(table.has(name), `constant ${name} in PROTOCOL.md`).toBe(true);
    for (const [name, value] of table) {
      const actual = (api as Record<string, unknown>)[name];
      expect(actual, `PROTOCOL.md constant ${name} is not exported by @llamenos/crypto`).not.toBeUndefined();
      expect(value, `PROTOCOL.md constant ${name}`).toBe(String(actual));
    }
  });

  it('quoted examples equal the vectors', () => {
    // <!-- vector: path.in.v1.json --> followed by a fenced block holding exactly that value.
    const marker = /<!-- vector: ([\w.]+) -->\s*```[a-z]*\n([\s\S]*?)\n```/g;
    const quoted = [...PROTOCOL_MD.matchAll(marker)];
    expect(quoted.length, 'PROTOCOL.md quotes at least one vector').toBeGreaterThan(0);
    expect(quoted.some((m) => m[1] === 'content.cases.0.blobBase64url')).toBe(true);
    for (const [, path, value] of quoted) {
      const expected = path!.split('.').reduce((node: Json, key) => node?.[key], V);
      expect(expected, `vector path ${path}`).not.toBeUndefined();
      expect(value, `PROTOCOL.md example ${path}`).toBe(String(expected));
    }
  });
});
