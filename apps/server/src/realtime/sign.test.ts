/**
 * The server signs every hub event through signFast (realtime/verify.ts): once the WASM engine is
 * loaded, libsecp256k1's BIP-340 signer. It must be the standard's signature: the vectors that
 * carry a secret key are signed on the same WASM binary with their own aux_rand and message and
 * must give the vector's signature byte for byte; and events signed by signFast must pass the
 * pure JavaScript verifier of @llamenos/crypto with the right id and pubkey.
 */
import {
  generateSecretKey,
  getPublicKey,
  HUB_EVENT_KIND,
  HUB_EVENT_TAG,
  verifyEvent,
} from '@llamenos/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { bip340Vectors, hexBytes, nostrWasmExports } from '../../test/bip340-vectors.js';
import { forgetSigningKey, initVerifier, signerKeepsKeyPair, signFast, verifierEngine } from './verify.js';

beforeAll(async () => {
  expect(await initVerifier()).toBe('wasm');
});

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * The raw signer of the WASM binary the engine loads: nostr-wasm signs only event ids with its own
 * entropy, so the test keeps the instance it creates and calls secp256k1_keypair_create and
 * secp256k1_schnorrsig_sign32 (exports "r" and "t" of the pinned nostr-wasm 0.1.0; "o" makes a
 * signing context, "i" allocates) with the vector's key, message and aux_rand.
 */
async function rawSigner(): Promise<
  (secret: Uint8Array, message: Uint8Array, aux: Uint8Array) => Uint8Array
> {
  const x = await nostrWasmExports();
  const [malloc, contextCreate, keypairCreate, sign32] = [x.i!, x.o!, x.r!, x.t!];
  const SIGN_AND_VERIFY = 513 | 257;
  const ctx = contextCreate(SIGN_AND_VERIFY);
  const [sk, keypair, msg, aux, sig] = [malloc(32), malloc(96), malloc(32), malloc(32), malloc(64)];
  return (secret, message, auxRand) => {
    const heap = new Uint8Array(x.g.buffer);
    heap.set(secret, sk);
    heap.set(message, msg);
    heap.set(auxRand, aux);
    expect(keypairCreate(ctx, keypair, sk)).toBe(1);
    expect(sign32(ctx, sig, msg, keypair, aux)).toBe(1);
    return new Uint8Array(x.g.buffer).slice(sig, sig + 64);
  };
}

describe('the WASM signer behind hub events', () => {
  it('is the one loaded', () => {
    expect(verifierEngine()).toBe('wasm');
  });

  it('gives every BIP-340 signing vector its exact signature', async () => {
    const sign = await rawSigner();
    const rows = bip340Vectors()
      // The signing vectors: a secret key and a 32-byte message (sign32's input).
      .filter((r) => r.secret && r.message.length === 64);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) {
      expect(getPublicKey(hexBytes(row.secret)), `vector ${row.index}`).toBe(row.publicKey);
      expect(
        toHex(sign(hexBytes(row.secret), hexBytes(row.message), hexBytes(row.aux))),
        `vector ${row.index}`,
      ).toBe(row.signature);
    }
  });

  it('signs hub events the pure verifier accepts, with the right id and pubkey', () => {
    for (let i = 0; i < 30; i++) {
      const key = generateSecretKey();
      const event = signFast(
        {
          kind: HUB_EVENT_KIND,
          created_at: 1_700_000_000 + i,
          tags: [[...HUB_EVENT_TAG]],
          content: `sealed ${i} "quoted" \\ ünïcode`,
        },
        key,
      );
      expect(event.pubkey).toBe(getPublicKey(key));
      expect(verifyEvent(event)).toBe(true);
      expect(verifyEvent({ ...event, content: `${event.content}!` })).toBe(false);
    }
  });

  it('keeps the key pair it built, and still signs with whichever key it is given', () => {
    expect(signerKeepsKeyPair()).toBe(true);
    const [a, b] = [generateSecretKey(), generateSecretKey()];
    const template = (i: number) => ({
      kind: HUB_EVENT_KIND,
      created_at: 1_700_000_000 + i,
      tags: [[...HUB_EVENT_TAG]],
      content: `event ${i}`,
    });
    // The same key many times (the kept pair), another key in between, the first key rewritten in
    // place, and after the pair was wiped: every signature from the key it was asked for.
    const mutable = Uint8Array.from(a);
    const steps: Array<[Uint8Array, string]> = [
      [a, getPublicKey(a)],
      [a, getPublicKey(a)],
      [b, getPublicKey(b)],
      [a, getPublicKey(a)],
      [mutable, getPublicKey(a)],
    ];
    steps.forEach(([key, pubkey], i) => {
      const event = signFast(template(i), key);
      expect(event.pubkey).toBe(pubkey);
      expect(verifyEvent(event)).toBe(true);
    });
    mutable.set(b);
    expect(signFast(template(9), mutable).pubkey).toBe(getPublicKey(b));
    forgetSigningKey();
    const event = signFast(template(10), a);
    expect(event.pubkey).toBe(getPublicKey(a));
    expect(verifyEvent(event)).toBe(true);
    // Fresh aux_rand per signature: the same event signed twice gets two different signatures.
    expect(signFast(template(10), a).sig).not.toBe(event.sig);
  });

  it('refuses a key that is not 32 bytes or not a valid scalar, and signs again after', () => {
    expect(() => signFast(template0(), new Uint8Array(31))).toThrow();
    expect(() => signFast(template0(), new Uint8Array(33).fill(1))).toThrow();
    // A key of zeros is not a secp256k1 secret key.
    expect(() => signFast(template0(), new Uint8Array(32))).toThrow();
    const key = generateSecretKey();
    expect(signFast(template0(), key).pubkey).toBe(getPublicKey(key));
  });
});

const template0 = () => ({
  kind: HUB_EVENT_KIND,
  created_at: 1_700_000_000,
  tags: [[...HUB_EVENT_TAG]],
  content: '',
});
