/**
 * The sealer's ephemeral key pairs from libsecp256k1 (WASM, ephemeral-keys.ts) held to the
 * reference: every pair's public key is @noble/curves' compressed secret·G (both parities), the
 * BIP-340 vectors' secret keys give the vectors' public keys, refused secrets are drawn again,
 * nothing secret stays in WebAssembly memory, a binary that answers wrongly is not used, and
 * texts sealed with these pairs open with the reference code.
 */
import { randomUUID } from 'node:crypto';
import { cachedAgreement, generateSecretKey, getPublicKey, openAsReader, PURPOSES } from '@llamenos/crypto';
import { type MessagePayload, messageRecordId } from '@llamenos/protocol';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { bip340Vectors, hexBytes, nostrWasmExports } from '../../test/bip340-vectors.js';
import { ephemeralKeyPairs, wasmKeyPairMaker } from './ephemeral-keys.js';
import { sealMessage } from './seal.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const reference = (secret: Uint8Array) => hex(secp256k1.getPublicKey(secret, true));
/** The group order n: a secret must be below it. */
const ORDER = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141';

/** A random source that hands out the given secrets in turn (then fails the test). */
const feeding = (secrets: string[]) => (bytes: Uint8Array) => {
  const next = secrets.shift();
  if (!next) throw new Error('asked for more secrets than fed');
  bytes.set(hexBytes(next));
};

describe("the sealer's ephemeral key pairs from libsecp256k1 (WASM)", () => {
  it('are the reference key pairs: compressed secret·G of either parity, for random secrets', async () => {
    const pair = wasmKeyPairMaker(await nostrWasmExports());
    if (!pair) throw new Error('the binary passed its self-check');
    const prefixes = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const { secret, publicKey } = pair();
      expect(secret).toHaveLength(32);
      expect(hex(publicKey)).toBe(reference(secret));
      prefixes.add(publicKey[0]!);
    }
    expect([...prefixes].sort()).toEqual([2, 3]);
  });

  it("give every BIP-340 vector's secret key its public key", async () => {
    const rows = bip340Vectors().filter((r) => r.secret);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    const pair = wasmKeyPairMaker(await nostrWasmExports(), feeding(rows.map((r) => r.secret)));
    if (!pair) throw new Error('the binary passed its self-check');
    for (const row of rows) {
      const { secret, publicKey } = pair();
      expect(hex(secret), `vector ${row.index}`).toBe(row.secret);
      // The vector's key is x-only: the compressed point's x, whatever its parity.
      expect(hex(publicKey.subarray(1)), `vector ${row.index}`).toBe(row.publicKey);
      expect(hex(publicKey), `vector ${row.index}`).toBe(reference(secret));
    }
  });

  it('draw again a secret libsecp256k1 refuses (zero, the group order), and give up on a source that gives no valid one', async () => {
    const valid = hex(generateSecretKey());
    const pair = wasmKeyPairMaker(await nostrWasmExports(), feeding(['00'.repeat(32), ORDER, valid]));
    if (!pair) throw new Error('the binary passed its self-check');
    expect(hex(pair().secret)).toBe(valid);
    const broken = wasmKeyPairMaker(await nostrWasmExports(), (bytes) => bytes.fill(0));
    expect(() => broken?.()).toThrow(/no valid secret key/);
  });

  it('leave neither the secret nor the key pair in WebAssembly memory', async () => {
    const exports = await nostrWasmExports();
    const pair = wasmKeyPairMaker(exports);
    if (!pair) throw new Error('the binary passed its self-check');
    for (let i = 0; i < 20; i++) {
      const { secret } = pair();
      expect(Buffer.from(exports.g.buffer).indexOf(Buffer.from(secret))).toBe(-1);
    }
  });

  it('are not used from a binary that answers wrongly (the parity flipped): null, so OpenSSL makes them', async () => {
    const exports = await nostrWasmExports();
    const xonlyPub = exports.s!;
    const flipped = {
      ...exports,
      s: (ctx: number, xonly: number, parity: number, keypair: number) => {
        const ok = xonlyPub(ctx, xonly, parity, keypair);
        const view = new DataView(exports.g.buffer);
        view.setInt32(parity, 1 - view.getInt32(parity, true), true);
        return ok;
      },
    };
    expect(wasmKeyPairMaker(flipped)).toBeNull();
    expect(wasmKeyPairMaker({ ...exports, r: undefined as never })).toBeNull();
  });

  it('seal texts every reader opens with the reference code, OpenSSL before the engine is loaded and libsecp256k1 after', async () => {
    const keys = ephemeralKeyPairs();
    const agreement = cachedAgreement(8, undefined, keys.pair, 6);
    const readers = Array.from({ length: 3 }, () => {
      const secret = generateSecretKey();
      return { secret, pubkey: getPublicKey(secret) };
    });
    const sealAndOpen = () => {
      const messageId = randomUUID();
      const sealed = sealMessage(
        messageId,
        'necesito hablar 🆘',
        readers.map((r) => r.pubkey),
        agreement,
      );
      for (const r of readers) {
        const opened = openAsReader({ v: 1, ...sealed }, r.secret, {
          purpose: PURPOSES.message,
          recordId: messageRecordId(messageId),
        });
        expect(JSON.parse(new TextDecoder().decode(opened)) as MessagePayload).toEqual({
          v: 1,
          body: 'necesito hablar 🆘',
        });
      }
    };
    sealAndOpen();
    expect(await keys.load()).toBe('wasm');
    sealAndOpen();
  });
});
