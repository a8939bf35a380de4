/**
 * @llamenos/crypto: the whole cryptography of the Llamenos protocol (docs/PROTOCOL.md).
 * No I/O; runs unchanged in browsers and Node.
 */
export * from './audit.js';
export * from './content.js';
export * from './ecies.js';
export * from './encoding.js';
export * from './errors.js';
export * from './hub-key.js';
export * from './kdf.js';
export * from './keyed-hash.js';
export * from './keys.js';
export * from './labels.js';
export * from './nip98.js';
export * from './nostr-event.js';
export * from './pbkdf2.js';
export * from './pin-lock.js';
export * from './random.js';
export * from './readers.js';
export * from './recovery.js';
export * from './request-key.js';
export * from './schnorr.js';
export * from './server-keys.js';
export * from './stream.js';
