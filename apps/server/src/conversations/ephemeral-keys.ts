import { webcrypto } from 'node:crypto';
import type { EphemeralKeyPair } from '@llamenos/crypto';
import { CONTEXT_SIGN, loadLibsecp256k1, rawFunctions, type WasmExports } from '../realtime/libsecp256k1.js';
import { nativeEphemeralKeyPair } from './seal.js';

/**
 * The ephemeral key pair of a message's wraps (seal.ts: one per message, PROTOCOL.md §6) from
 * libsecp256k1 compiled to WebAssembly, the binary the hub-event signer already loads
 * (realtime/libsecp256k1.ts). Its secret·G is secp256k1_keypair_create's constant-time
 * multiplication with libsecp256k1's precomputed tables: a fraction of the CPU of OpenSSL's
 * generateKeys for secp256k1, the sealer's choice until now (issue 10: a contact's first text,
 * CPU per text; bench/prof/server-messaging.ts says how much). The secret is 32 bytes from the
 * operating system's CSPRNG (webcrypto.getRandomValues), drawn again in the negligible case
 * libsecp256k1 refuses it (zero, or not below the group order); the public key is the compressed
 * point, its parity from secp256k1_keypair_xonly_pub. The secret and the key pair are wiped from
 * WebAssembly memory before the pair is returned; the caller wipes its copy (ecies.ts).
 *
 * The binary is held to known answers before it is used (SELF_CHECK: public keys computed by
 * the reference implementation, one of each parity); if it is not there, or differs, or while it
 * loads, the pairs come from OpenSSL as before (`ephemeralKeyPairs`).
 */

/**
 * Secret keys and their compressed public keys, from @noble/curves' getPublicKey (the reference
 * the tests hold this to as well): the BIP-340 vector 1 secret (even y), and 6 (odd y).
 */
const SELF_CHECK: readonly { secret: string; publicKey: string }[] = [
  {
    secret: 'b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef',
    publicKey: '02dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659',
  },
  {
    secret: '0000000000000000000000000000000000000000000000000000000000000006',
    publicKey: '03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556',
  },
];

/**
 * A pair maker over libsecp256k1's raw functions ("i" malloc, "o" context_create, "r"
 * keypair_create, "s" keypair_xonly_pub, "q" xonly_pubkey_serialize), or null when they are not
 * there or fail the self-check. `randomFill` is the CSPRNG (a test can pass a fixed one).
 */
export function wasmKeyPairMaker(
  x: WasmExports,
  randomFill: (bytes: Uint8Array) => void = (bytes) => webcrypto.getRandomValues(bytes),
): EphemeralKeyPair | null {
  const raw = rawFunctions(x, ['i', 'o', 'r', 's', 'q']);
  if (!raw) return null;
  const [malloc, contextCreate, keypairCreate, keypairXonlyPub, xonlySerialize] = raw.fns;
  const { memory } = raw;
  const ctx = contextCreate!(CONTEXT_SIGN);
  const [sk, keypair, xonly, parity, pub] = [32, 96, 64, 4, 32].map((n) => malloc!(n)) as number[];
  if (!ctx || [sk, keypair, xonly, parity, pub].some((p) => !p)) return null;
  const heap = () => new Uint8Array(memory.buffer);
  const wipe = () => {
    const h = heap();
    h.fill(0, sk!, sk! + 32);
    h.fill(0, keypair!, keypair! + 96);
  };

  /** The pair of the secret now at `sk`, or null if libsecp256k1 refuses that secret. */
  const pairAtSk = (): { secret: Uint8Array; publicKey: Uint8Array } | null => {
    try {
      if (keypairCreate!(ctx, keypair!, sk!) !== 1) return null;
      if (keypairXonlyPub!(ctx, xonly!, parity!, keypair!) !== 1 || xonlySerialize!(ctx, pub!, xonly!) !== 1)
        throw new Error('failed to derive the ephemeral public key');
      const h = heap();
      const odd = new DataView(memory.buffer).getInt32(parity!, true) === 1;
      const publicKey = new Uint8Array(33);
      publicKey[0] = odd ? 3 : 2;
      publicKey.set(h.subarray(pub!, pub! + 32), 1);
      return { secret: h.slice(sk!, sk! + 32), publicKey };
    } finally {
      wipe();
    }
  };

  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  for (const known of SELF_CHECK) {
    heap().set(Buffer.from(known.secret, 'hex'), sk!);
    const pair = pairAtSk();
    pair?.secret.fill(0);
    if (!pair || hex(pair.publicKey) !== known.publicKey) return null;
  }

  return () => {
    // A refused secret has odds of about 2^-128: drawn again, a bounded number of times.
    for (let attempt = 0; attempt < 8; attempt++) {
      randomFill(heap().subarray(sk!, sk! + 32));
      const pair = pairAtSk();
      if (pair) return pair;
    }
    throw new Error('the random source gave no valid secret key');
  };
}

/** Which engine makes the sealer's ephemeral key pairs. */
export type EphemeralEngine = 'wasm' | 'openssl';

/**
 * The sealer's ephemeral key pairs: OpenSSL's until libsecp256k1 (WASM) is loaded and has passed
 * its self-check, then libsecp256k1's. Loaded at the first pair asked for, or by `load` (a
 * sealing thread, before it says it is ready); `load` resolves with the engine then in use.
 */
export function ephemeralKeyPairs(): { pair: EphemeralKeyPair; load(): Promise<EphemeralEngine> } {
  let current: EphemeralKeyPair = nativeEphemeralKeyPair;
  let loading: Promise<EphemeralEngine> | null = null;
  const load = () =>
    (loading ??= loadLibsecp256k1()
      .then(({ exports }) => {
        const maker = exports ? wasmKeyPairMaker(exports) : null;
        if (!maker) return 'openssl' as const;
        current = maker;
        return 'wasm' as const;
      })
      .catch(() => 'openssl' as const));
  return {
    pair: () => {
      void load();
      return current();
    },
    load,
  };
}
