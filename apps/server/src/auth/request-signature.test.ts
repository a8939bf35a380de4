/**
 * The signature check of signed requests runs on libsecp256k1 compiled to WASM (the relay's
 * engine). It must be exactly as strict as the pure BIP-340 verifier it replaces: the standard's
 * vectors pass on the same WASM binary, the verdicts agree with the pure verifier on good and
 * tampered tokens, and a token whose hex is spelled differently (which the engine would read as
 * the same bytes) is refused rather than taken for a new id by the replay cache.
 */
import {
  createAuthHeader,
  generateSecretKey,
  type NostrEvent,
  parseAuthHeader,
  toBase64,
  utf8,
  verifyAuthHeader,
  verifyEvent,
} from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bip340Vectors, hexBytes, nostrWasmExports } from '../../test/bip340-vectors.js';
import { createTestHotline, PUBLIC_URL, type TestHotline } from '../../test/helpers.js';
import { initVerifier, verifierEngine } from '../realtime/verify.js';
import { verifyTokenSignature } from './request-signature.js';

beforeAll(async () => {
  expect(await initVerifier()).toBe('wasm');
});

interface RawEngine {
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * The raw BIP-340 verify of the WASM binary the engine loads. nostr-wasm only exposes event
 * verification (a 32-byte id as the message), so the test keeps the instance it creates and calls
 * the library's secp256k1_xonly_pubkey_parse and secp256k1_schnorrsig_verify (exports "p" and
 * "u" of the pinned nostr-wasm 0.1.0) with the vectors' own messages, of any length.
 */
async function rawEngine(): Promise<RawEngine> {
  const x = await nostrWasmExports();
  const [malloc, contextCreate, parseKey, schnorrVerify] = [x.i!, x.o!, x.p!, x.u!];
  const VERIFY = 257;
  const ctx = contextCreate(VERIFY);
  const keyIn = malloc(32);
  const keyParsed = malloc(64);
  const sig = malloc(64);
  const msg = malloc(256);
  return {
    verify(publicKey, message, signature) {
      const heap = new Uint8Array(x.g.buffer);
      heap.set(publicKey, keyIn);
      heap.set(signature, sig);
      heap.set(message, msg);
      if (parseKey(ctx, keyParsed, keyIn) !== 1) return false;
      return schnorrVerify(ctx, sig, msg, message.length, keyParsed) === 1;
    },
  };
}

describe('the WASM engine behind signed requests', () => {
  it('is the one loaded', () => {
    expect(verifierEngine()).toBe('wasm');
  });

  it('passes every BIP-340 verification vector', async () => {
    const engine = await rawEngine();
    const rows = bip340Vectors();
    expect(rows.length).toBeGreaterThanOrEqual(19);
    expect(rows.some((r) => r.valid) && rows.some((r) => !r.valid)).toBe(true);
    for (const row of rows) {
      expect(
        engine.verify(hexBytes(row.publicKey), hexBytes(row.message), hexBytes(row.signature)),
        `vector ${row.index}`,
      ).toBe(row.valid);
    }
  });

  it('agrees with the pure verifier on good and tampered tokens', () => {
    const flip = (hex: string, at: number) =>
      hex.slice(0, at) + ((Number.parseInt(hex[at]!, 16) ^ 1).toString(16) as string) + hex.slice(at + 1);
    for (let i = 0; i < 20; i++) {
      const key = generateSecretKey();
      const event = parseAuthHeader(
        createAuthHeader({ url: `${PUBLIC_URL}/api/me?i=${i}`, method: 'GET' }, key),
      );
      const variants: NostrEvent[] = [
        event,
        { ...event, sig: flip(event.sig, i % 128) },
        { ...event, id: flip(event.id, i % 64) },
        { ...event, pubkey: flip(event.pubkey, i % 64) },
        { ...event, created_at: event.created_at + 1 },
        { ...event, tags: [...event.tags.slice(0, 3), ['nonce', '0'.repeat(32)]] },
      ];
      const verdicts = variants.map((v) => [verifyTokenSignature(v), verifyEvent(v)]);
      expect(verdicts[0]).toEqual([true, true]);
      for (const [fast, pure] of verdicts.slice(1)) {
        expect(fast).toBe(false);
        expect(pure).toBe(false);
      }
    }
  });

  it('refuses a token whose id, pubkey or signature is not lowercase hex', () => {
    const key = generateSecretKey();
    const url = `${PUBLIC_URL}/api/me`;
    const event = parseAuthHeader(createAuthHeader({ url, method: 'GET' }, key));
    // Upper case denotes the same bytes to the engine: the replay cache would see a new id.
    for (const field of ['id', 'pubkey', 'sig'] as const) {
      const respelled = { ...event, [field]: event[field].toUpperCase() };
      expect(verifyTokenSignature(respelled), field).toBe(false);
      const header = `Nostr ${toBase64(utf8(JSON.stringify(respelled)))}`;
      expect(
        () => verifyAuthHeader(header, { url, method: 'GET' }, event.created_at, verifyTokenSignature),
        field,
      ).toThrow(/signature or id is invalid/);
    }
  });
});

describe('a signed request on the WASM engine', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());

  it('is accepted once; the same token with its id in upper case is refused', async () => {
    const member = await h.addUser(['volunteer']);
    const header = createAuthHeader({ url: `${PUBLIC_URL}/api/me`, method: 'GET' }, member.secretKey);
    const get = (authorization: string) =>
      h.app.request(`${PUBLIC_URL}/api/me`, { headers: { authorization } });
    expect((await get(header)).status).toBe(200);
    expect((await get(header)).status).toBe(401);
    const event = parseAuthHeader(header);
    const respelled = `Nostr ${toBase64(utf8(JSON.stringify({ ...event, id: event.id.toUpperCase() })))}`;
    const replay = await get(respelled);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error.message).toMatch(/signature or id is invalid/);
  });
});
