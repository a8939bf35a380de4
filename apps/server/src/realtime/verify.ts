import { createHash, timingSafeEqual } from 'node:crypto';
import { type NostrEvent, signEvent, type UnsignedEvent } from '@llamenos/crypto';
import { verifyEvent as verifyPure } from 'nostr-tools/pure';
import { finalizeEvent, setNostrWasm, verifyEvent as verifyWasm } from 'nostr-tools/wasm';
import {
  CONTEXT_SIGN,
  CONTEXT_VERIFY,
  loadLibsecp256k1,
  rawFunctions,
  type WasmExports,
} from './libsecp256k1.js';

/**
 * Signature and id checks for every event a client sends. nostr-tools' WASM verifier
 * (libsecp256k1 compiled to WASM, through nostr-wasm) is several times faster than the pure
 * JavaScript one; it needs an async initialisation, done once at start. Until then, or if the
 * WASM module cannot load, the pure verifier is used: slower, equally strict.
 */
let verifier: (event: NostrEvent) => boolean = (event) => verifyPure({ ...event });
let engine: 'wasm' | 'pure' = 'pure';
/**
 * Signing the server's events is the publisher's hottest step: the same BIP-340 signature as
 * @llamenos/crypto's signEvent (which the tests cross-check), through the WASM engine when loaded.
 */
let signer: (template: UnsignedEvent, secretKey: Uint8Array) => NostrEvent = signEvent;

export const signFast = (template: UnsignedEvent, secretKey: Uint8Array): NostrEvent =>
  signer(template, secretKey);

export async function initVerifier(): Promise<'wasm' | 'pure'> {
  if (engine === 'wasm') return engine;
  try {
    const { nostr, exports } = await loadLibsecp256k1();
    setNostrWasm(nostr);
    // A copy: nostr-tools caches its verdict on the object under a symbol.
    verifier = (event) => verifyWasm({ ...event });
    const keptKeyPair = exports ? keptKeyPairSigner(exports) : null;
    signer =
      keptKeyPair ??
      ((template, secretKey) => {
        const { id, pubkey, created_at, kind, tags, content, sig } = finalizeEvent(
          { ...template },
          secretKey,
        );
        return { id, pubkey, created_at, kind, tags, content, sig };
      });
    engine = 'wasm';
  } catch {
    engine = 'pure';
  }
  return engine;
}

export const verifierEngine = () => engine;

/** Whether hub events are signed with the server's key pair built once (see keptKeyPairSigner). */
export const signerKeepsKeyPair = () => keptSigner !== null;

/** Wipes the kept key pair (WASM memory and the copy of the key); the next signature rebuilds it. */
export const forgetSigningKey = () => keptSigner?.forget();

/**
 * BIP-340 vector 1 (secret key, aux_rand, message → signature): the raw signer must reproduce it
 * before it is used, so a different binary behind the export names falls back to the library.
 */
const SELF_CHECK = {
  secret: 'b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef',
  publicKey: 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659',
  aux: '0000000000000000000000000000000000000000000000000000000000000001',
  message: '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89',
  signature:
    '6896bd60eeae296db48a229ff71dfe071bde413e6d43f917dc8dcf8c78de33418906d11ac976abccb20b091292bff4ea897efcb639ea871cfa95f6de339e4b0a',
};

interface KeptSigner {
  sign: (template: UnsignedEvent, secretKey: Uint8Array) => NostrEvent;
  forget: () => void;
}
let keptSigner: KeptSigner | null = null;

/**
 * A signer over libsecp256k1's raw functions (libsecp256k1.ts names them) that keeps the key pair of the
 * last key it signed with: the server signs every hub event with one key, so the pair is built
 * once per process. The id is hashed by Node's native SHA-256; each signature gets fresh aux_rand
 * as BIP-340 recommends. Null if the exports are not there or the self-check fails.
 */
function keptKeyPairSigner(x: WasmExports): KeptSigner['sign'] | null {
  const raw = rawFunctions(x, ['i', 'o', 'r', 's', 'q', 't']);
  if (!raw) return null;
  const [malloc, contextCreate, keypairCreate, keypairXonlyPub, xonlySerialize, sign32] = raw.fns;
  const { memory } = raw;
  const heap = () => new Uint8Array(memory.buffer);
  const ctx = contextCreate!(CONTEXT_SIGN | CONTEXT_VERIFY);
  const [sk, keypair, xonly, pub, msg, aux, sig] = [32, 96, 64, 32, 32, 32, 64].map((n) => malloc!(n));
  if (!ctx || [sk, keypair, xonly, pub, msg, aux, sig].some((p) => !p)) return null;

  let keptSecret: Uint8Array | null = null;
  let keptPubkey = '';
  const forget = () => {
    heap().fill(0, keypair!, keypair! + 96);
    keptSecret?.fill(0);
    keptSecret = null;
    keptPubkey = '';
  };
  const keep = (secretKey: Uint8Array): string => {
    if (keptSecret && secretKey.length === 32 && timingSafeEqual(keptSecret, secretKey)) return keptPubkey;
    forget();
    // Checked before the copy: a longer key would spill into the next allocation.
    if (secretKey.length !== 32) throw new Error('invalid secret key');
    heap().set(secretKey, sk!);
    const built = keypairCreate!(ctx, keypair!, sk!) === 1;
    heap().fill(0, sk!, sk! + 32);
    if (!built) throw new Error('invalid secret key');
    if (keypairXonlyPub!(ctx, xonly!, 0, keypair!) !== 1 || xonlySerialize!(ctx, pub!, xonly!) !== 1)
      throw new Error('failed to derive the public key');
    // Its own buffer (not a slice of Node's shared pool), wiped by forget.
    keptSecret = Uint8Array.from(secretKey);
    keptPubkey = Buffer.from(heap().subarray(pub!, pub! + 32)).toString('hex');
    return keptPubkey;
  };
  const signDigest = (digest: Uint8Array, auxRand?: Uint8Array): string => {
    const h = heap();
    h.set(digest, msg!);
    if (auxRand) h.set(auxRand, aux!);
    else crypto.getRandomValues(h.subarray(aux!, aux! + 32));
    if (sign32!(ctx, sig!, msg!, keypair!, aux!) !== 1) throw new Error('failed to sign');
    return Buffer.from(heap().subarray(sig!, sig! + 64)).toString('hex');
  };

  try {
    const pubkey = keep(Buffer.from(SELF_CHECK.secret, 'hex'));
    const signature = signDigest(Buffer.from(SELF_CHECK.message, 'hex'), Buffer.from(SELF_CHECK.aux, 'hex'));
    forget();
    if (pubkey !== SELF_CHECK.publicKey || signature !== SELF_CHECK.signature) return null;
  } catch {
    forget();
    return null;
  }

  keptSigner = {
    forget,
    sign: (template, secretKey) => {
      const pubkey = keep(secretKey);
      const { created_at, kind, tags, content } = template;
      const digest = createHash('sha256')
        .update(JSON.stringify([0, pubkey, created_at, kind, tags, content]))
        .digest();
      const sig = signDigest(digest);
      return { id: digest.toString('hex'), pubkey, created_at, kind, tags, content, sig };
    },
  };
  return keptSigner.sign;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/** The reason an object is not a well-formed NIP-01 event, or null if it is one. */
export function malformedReason(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'event must be an object';
  const e = value as Record<string, unknown>;
  if (typeof e.id !== 'string' || !HEX64.test(e.id)) return 'id must be 64 lowercase hex characters';
  if (typeof e.pubkey !== 'string' || !HEX64.test(e.pubkey))
    return 'pubkey must be 64 lowercase hex characters';
  if (typeof e.sig !== 'string' || !HEX128.test(e.sig)) return 'sig must be 128 lowercase hex characters';
  if (!Number.isSafeInteger(e.created_at) || (e.created_at as number) < 0)
    return 'created_at must be a unix time';
  if (!Number.isSafeInteger(e.kind) || (e.kind as number) < 0 || (e.kind as number) > 65535)
    return 'kind must be an integer 0..65535';
  if (typeof e.content !== 'string') return 'content must be a string';
  if (!Array.isArray(e.tags)) return 'tags must be an array';
  for (const tag of e.tags)
    if (!Array.isArray(tag) || tag.length === 0 || !tag.every((v) => typeof v === 'string'))
      return 'every tag must be a non-empty array of strings';
  return null;
}

/** True when the id is the hash of the event and the signature is valid for its pubkey. */
export const verifySignedEvent = (event: NostrEvent): boolean => verifier(event);
