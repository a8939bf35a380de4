import { type NostrEvent, signEvent, type UnsignedEvent } from '@llamenos/crypto';
import { verifyEvent as verifyPure } from 'nostr-tools/pure';
import { finalizeEvent, setNostrWasm, verifyEvent as verifyWasm } from 'nostr-tools/wasm';

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
    const { initNostrWasm } = await import('nostr-wasm');
    setNostrWasm(await initNostrWasm());
    // A copy: nostr-tools caches its verdict on the object under a symbol.
    verifier = (event) => verifyWasm({ ...event });
    signer = (template, secretKey) => {
      const { id, pubkey, created_at, kind, tags, content, sig } = finalizeEvent({ ...template }, secretKey);
      return { id, pubkey, created_at, kind, tags, content, sig };
    };
    engine = 'wasm';
  } catch {
    engine = 'pure';
  }
  return engine;
}

export const verifierEngine = () => engine;

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
