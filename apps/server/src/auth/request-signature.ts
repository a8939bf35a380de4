import type { NostrEvent } from '@llamenos/crypto';
import { malformedReason, verifySignedEvent } from '../realtime/verify.js';

/**
 * The signature check of a NIP-98 token on the engine the relay uses: libsecp256k1 compiled to
 * WASM once realtime/verify.ts's initVerifier has run at start-up (the pure JavaScript verifier
 * until then; both are strict BIP-340). The WASM engine reads hex leniently, so the id, pubkey
 * and signature are first held to lowercase hex of their exact lengths: otherwise an upper-case
 * spelling of a used token's id would verify and pass the replay cache as a new id. The auth
 * middleware passes this to verifyAuthHeader as its signature check.
 */
export const verifyTokenSignature = (event: NostrEvent): boolean =>
  malformedReason(event) === null && verifySignedEvent(event);
