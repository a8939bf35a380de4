import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { concat, lengthPrefixed, toHex } from './encoding.js';
import { CryptoError, ensure } from './errors.js';
import { deriveKey } from './kdf.js';
import {
  assertSecretKey,
  compressedFromXOnly,
  generateSecretKey,
  getPublicKeyBytes,
  parsePublicKey,
} from './keys.js';
import { type RandomSource, secureRandom } from './random.js';

/** Version byte of the key-wrap format. */
export const WRAP_VERSION = 1;
/** version (1) || ephemeral compressed point (33) || nonce (24) || sealed 32-byte key (48). */
export const WRAP_LENGTH = 1 + 33 + 24 + 32 + 16;

/** What a wrap is bound to: the label of its purpose and the id of the record it belongs to. */
export interface WrapContext {
  label: string;
  recordId: string;
}

/** ECDH: the x-coordinate of secret·P, where P is the even-y point with x-coordinate `xOnlyPublic`. */
export function sharedX(secretKey: Uint8Array, xOnlyPublic: Uint8Array): Uint8Array {
  return secp256k1.getSharedSecret(secretKey, compressedFromXOnly(xOnlyPublic), true).slice(1);
}

function wrapAad(ctx: WrapContext, ephemeral: Uint8Array, recipient: Uint8Array): Uint8Array {
  return concat(
    new Uint8Array([WRAP_VERSION]),
    lengthPrefixed(ctx.label),
    lengthPrefixed(ctx.recordId),
    ephemeral,
    recipient,
  );
}

/**
 * Wraps a 32-byte key for one reader (ECIES): a fresh ephemeral key, ECDH x-coordinate,
 * HKDF-SHA256(salt, info = label), XChaCha20-Poly1305 with the label, record id and both
 * public keys as associated data.
 */
export function wrapKey(
  key: Uint8Array,
  recipientPublicKey: string,
  ctx: WrapContext,
  random: RandomSource = secureRandom,
): Uint8Array {
  return wrapKeyWith(
    key,
    recipientPublicKey,
    ctx,
    (recipientCompressed) => {
      const ephemeralSecret = generateSecretKey(random);
      try {
        return {
          ephemeral: secp256k1.getPublicKey(ephemeralSecret, true),
          sharedX: secp256k1.getSharedSecret(ephemeralSecret, recipientCompressed, true).slice(1),
        };
      } finally {
        ephemeralSecret.fill(0);
      }
    },
    random,
  );
}

/**
 * The ephemeral half of a wrap: a fresh key pair's compressed public key (33 bytes) and the
 * x-coordinate of its ECDH with the recipient's compressed point (32 bytes).
 */
export type EphemeralAgreement = ((recipientCompressed: Uint8Array) => {
  ephemeral: Uint8Array;
  sharedX: Uint8Array;
}) & {
  /**
   * Optional: `parsePublicKey` for the recipient, remembered. Checking that an x-only key is on
   * the curve costs a square root; a sealer that wraps for the same readers again and again
   * (cachedAgreement) checks each once. Must throw as parsePublicKey does for a bad key.
   */
  readonly parseRecipient?: (publicKey: string) => Uint8Array;
};

/**
 * A fresh ephemeral key pair for one wrap: the secret key (32 bytes, or fewer when it has leading
 * zero bytes, as Node's ECDH gives it) and its compressed public key (33 bytes).
 */
export type EphemeralKeyPair = () => { secret: Uint8Array; publicKey: Uint8Array };

/** `cachedAgreement`'s agreement: one fresh ephemeral key per wrap, or one per object's wraps. */
export type CachedAgreement = EphemeralAgreement & {
  /**
   * Runs `seal` with an agreement whose wraps all share ONE fresh ephemeral key pair, drawn at
   * the first wrap and wiped when `seal` returns (or throws): for the wraps of one object's key
   * for its distinct readers, and nothing else (PROTOCOL.md §6, "One ephemeral key for one
   * object's wraps"; THREAT-MODEL.md). Each wrap is still the Section 6 format and carries the
   * ephemeral public key; the shared points, so the KEKs, differ per reader.
   */
  readonly forOneObject: <T>(seal: (agree: EphemeralAgreement) => T) => T;
  /**
   * Builds the table for the x-only `publicKey` now unless it is kept already (true: built), so
   * a sealer can make its readers' tables before their first wrap, one per call, yielding in
   * between. Throws as parsePublicKey does for a bad key.
   */
  readonly prepare: (publicKey: string) => boolean;
  /**
   * An agreement whose `forOneObject` keeps ONE ephemeral key across the objects sealed within
   * a short window (`reuse`), with each reader's shared point computed once per key: for a
   * sealer of many small objects for the same few readers (the server, sealing arriving texts for
   * the assignee and every admin), whose wraps then cost no ECDH at all once a window has met its
   * readers. PROTOCOL.md §6, "One ephemeral key for a short window of objects"; why it is safe,
   * and what it changes: THREAT-MODEL.md. Called directly it is this agreement (a fresh key per
   * wrap); it shares this agreement's tables.
   */
  readonly reuseWindow: (reuse: KeyReuse) => KeyReuseWindow;
};

/** How long one ephemeral key may serve objects: whichever of the two limits comes first. */
export interface KeyReuse {
  /** Milliseconds from the key's first object; the next object after that draws a new key. */
  maxAgeMs: number;
  /** Objects per key. */
  maxObjects: number;
  /** The clock (milliseconds); injected by tests. */
  now?: () => number;
}

/** `CachedAgreement.reuseWindow`'s agreement. */
export type KeyReuseWindow = EphemeralAgreement & {
  readonly forOneObject: <T>(seal: (agree: EphemeralAgreement) => T) => T;
  /**
   * Wipes the window's key and shared points if its time is up, so that a key does not outlive
   * its window in memory when no object comes after it (a sealer calls it on a timer). Returns
   * the milliseconds left to the key still held, or null when none is.
   */
  readonly wipeExpired: () => number | null;
};

/**
 * An EphemeralAgreement that keeps a precomputed multiplication table for each recipient it has
 * seen (the `maxRecipients` most recently used): a sealer that wraps key after key for the same
 * readers (the server, sealing each arriving message for its assignee and the admins) then pays
 * one base-point and one table multiplication per wrap instead of a full ECDH, about twice as
 * fast as Node's OpenSSL secp256k1 and three times the plain one. Called directly, each wrap has
 * a fresh ephemeral key; `forOneObject` shares one across one object's wraps (one base-point
 * multiplication per object). `tableWindow` is the table's window in bits: 6 (the default) makes
 * a table of about 0.4 MB in about 16 ms, 8 one of about 1 MB in about 40 ms whose
 * multiplications are about a fifth faster (the server's choice: it keeps its few readers' tables
 * for the life of the process).
 */
export function cachedAgreement(
  maxRecipients = 32,
  random: RandomSource = secureRandom,
  ephemeralKeyPair?: EphemeralKeyPair,
  tableWindow = 6,
): CachedAgreement {
  // The base-point multiplication for the ephemeral public key is half a wrap's cost; a sealer
  // with a faster constant-time one (the server: Node's OpenSSL) passes it in.
  const newPair: EphemeralKeyPair =
    ephemeralKeyPair ??
    (() => {
      const secret = generateSecretKey(random);
      return { secret, publicKey: secp256k1.getPublicKey(secret, true) };
    });
  const parsed = new Map<string, Uint8Array>();
  const parseRecipient = (publicKey: string): Uint8Array => {
    let bytes = parsed.get(publicKey);
    if (!bytes) {
      bytes = parsePublicKey(publicKey);
      parsed.set(publicKey, bytes);
      if (parsed.size > maxRecipients) parsed.delete(parsed.keys().next().value as string);
    }
    // A copy: the caller may not alter what the next wrap for this reader checks against.
    return bytes.slice();
  };
  const tables = new Map<string, ReturnType<typeof secp256k1.Point.fromBytes>>();
  const tableFor = (recipientCompressed: Uint8Array) => {
    const id = toHex(recipientCompressed);
    let point = tables.get(id);
    if (point) tables.delete(id);
    else {
      point = secp256k1.Point.fromBytes(recipientCompressed);
      point.precompute(tableWindow, false);
    }
    tables.set(id, point);
    if (tables.size > maxRecipients) tables.delete(tables.keys().next().value as string);
    return point;
  };
  const agreeWith = (
    recipientCompressed: Uint8Array,
    pair: { secret: Uint8Array; publicKey: Uint8Array },
  ) => {
    const point = tableFor(recipientCompressed);
    const scalar = BigInt(`0x${toHex(pair.secret)}`);
    return { ephemeral: pair.publicKey.slice(), sharedX: point.multiply(scalar).toBytes(true).slice(1) };
  };
  const agree = (recipientCompressed: Uint8Array) => {
    const pair = newPair();
    try {
      return agreeWith(recipientCompressed, pair);
    } finally {
      pair.secret.fill(0);
    }
  };
  const forOneObject = <T>(seal: (agree: EphemeralAgreement) => T): T => {
    let pair: { secret: Uint8Array; publicKey: Uint8Array } | null = null;
    let done = false;
    const shared = (recipientCompressed: Uint8Array) => {
      // Kept past `seal` it would wrap with a wiped (zero) secret: refused instead.
      if (done) throw new Error('a one-object agreement used after its object was sealed');
      pair ??= newPair();
      return agreeWith(recipientCompressed, pair);
    };
    try {
      return seal(Object.assign(shared, { parseRecipient }));
    } finally {
      done = true;
      (pair as { secret: Uint8Array } | null)?.secret.fill(0);
    }
  };
  const prepare = (publicKey: string): boolean => {
    const compressed = compressedFromXOnly(parseRecipient(publicKey));
    const kept = tables.has(toHex(compressed));
    tableFor(compressed);
    return !kept;
  };
  const reuseWindow = (reuse: KeyReuse) =>
    keyReuseWindow(reuse, { newPair, agreeWith, parseRecipient, fresh: agree });
  return Object.assign(agree, { parseRecipient, forOneObject, prepare, reuseWindow });
}

/**
 * `wrapKey` with the ECDH done by `agree`, so a sealer of many wraps can choose the fastest
 * agreement (the server uses `cachedAgreement`; its benchmark also compares Node's OpenSSL
 * secp256k1); the output format is the same.
 */
export function wrapKeyWith(
  key: Uint8Array,
  recipientPublicKey: string,
  ctx: WrapContext,
  agree: EphemeralAgreement,
  random: RandomSource = secureRandom,
): Uint8Array {
  ensure(key.length === 32, 'MALFORMED', 'only 32-byte keys are wrapped');
  const recipient = agree.parseRecipient?.(recipientPublicKey) ?? parsePublicKey(recipientPublicKey);
  const { ephemeral, sharedX: shared } = agree(compressedFromXOnly(recipient));
  ensure(ephemeral.length === 33 && shared.length === 32, 'MALFORMED', 'bad ephemeral agreement');
  const kek = deriveKey(shared, ctx.label);
  shared.fill(0);
  const nonce = random(24);
  const sealed = xchacha20poly1305(kek, nonce, wrapAad(ctx, ephemeral, recipient)).encrypt(key);
  kek.fill(0);
  return concat(new Uint8Array([WRAP_VERSION]), ephemeral, nonce, sealed);
}

/** Opens a wrap made by `wrapKey` for the holder of `secretKey`; DECRYPT_FAILED if it is not theirs or was altered. */
export function unwrapKey(wrap: Uint8Array, secretKey: Uint8Array, ctx: WrapContext): Uint8Array {
  return unwrapKeyAs(wrap, secretKey, getPublicKeyBytes(secretKey), ctx);
}

/**
 * `unwrapKey` for a caller that has already derived `ownPublicKey`, the x-only public key of
 * `secretKey` (it is bound into the associated data), saving a second base-point
 * multiplication. A wrong `ownPublicKey` cannot open anything: the wrap fails with DECRYPT_FAILED.
 */
export function unwrapKeyAs(
  wrap: Uint8Array,
  secretKey: Uint8Array,
  ownPublicKey: Uint8Array,
  ctx: WrapContext,
): Uint8Array {
  assertSecretKey(secretKey);
  ensure(wrap.length >= 1, 'MALFORMED', 'empty key wrap');
  ensure(wrap[0] === WRAP_VERSION, 'UNSUPPORTED_VERSION', `key wrap version ${wrap[0]} is not supported`);
  ensure(wrap.length === WRAP_LENGTH, 'MALFORMED', `key wrap must be ${WRAP_LENGTH} bytes`);
  const ephemeral = wrap.subarray(1, 34);
  const nonce = wrap.subarray(34, 58);
  const sealed = wrap.subarray(58);
  // getSharedSecret decodes the 33-byte point with the same on-curve and not-identity checks
  // as utils.isValidPublicKey; with the secret key already asserted, it can fail only on a
  // bad ephemeral point. Checking once here instead of twice saves one point decompression.
  let shared: Uint8Array;
  try {
    shared = secp256k1.getSharedSecret(secretKey, ephemeral, true);
  } catch {
    throw new CryptoError('MALFORMED', 'ephemeral key is not a curve point');
  }
  const kek = deriveKey(shared.slice(1), ctx.label);
  try {
    return xchacha20poly1305(kek, nonce, wrapAad(ctx, ephemeral, ownPublicKey)).decrypt(sealed);
  } catch {
    throw new CryptoError(
      'DECRYPT_FAILED',
      'key wrap did not open: wrong reader, label or record, or altered',
    );
  } finally {
    kek.fill(0);
  }
}

type KeyPair = { secret: Uint8Array; publicKey: Uint8Array };

/** cachedAgreement's parts that a reuse window runs on (its tables stay the agreement's). */
interface WindowParts {
  newPair: EphemeralKeyPair;
  agreeWith: (recipientCompressed: Uint8Array, pair: KeyPair) => { sharedX: Uint8Array };
  parseRecipient: (publicKey: string) => Uint8Array;
  /** The agreement called directly: a fresh key per wrap. */
  fresh: (recipientCompressed: Uint8Array) => { ephemeral: Uint8Array; sharedX: Uint8Array };
}

/** `CachedAgreement.reuseWindow`: one ephemeral key, and each reader's shared x, per window. */
function keyReuseWindow(
  reuse: KeyReuse,
  { newPair, agreeWith, parseRecipient, fresh }: WindowParts,
): KeyReuseWindow {
  const now = reuse.now ?? Date.now;
  interface Window {
    pair: KeyPair;
    /** Each reader's shared x with this key, by compressed point (hex). */
    shared: Map<string, Uint8Array>;
    until: number;
    left: number;
  }
  let current: Window | null = null;
  const wipe = () => {
    if (!current) return;
    current.pair.secret.fill(0);
    for (const x of current.shared.values()) x.fill(0);
    current = null;
  };
  const wipeExpired = (): number | null => {
    if (current && now() >= current.until) wipe();
    return current ? current.until - now() : null;
  };
  const forWindowObject = <T>(seal: (agree: EphemeralAgreement) => T): T => {
    if (current && current.left <= 0) wipe();
    wipeExpired();
    current ??= {
      pair: newPair(),
      shared: new Map(),
      until: now() + reuse.maxAgeMs,
      left: reuse.maxObjects,
    };
    const window: Window = current;
    window.left -= 1;
    let done = false;
    const shared = (recipientCompressed: Uint8Array) => {
      // Kept past `seal` its key may be wiped by then: refused instead.
      if (done) throw new Error('a windowed agreement used after its object was sealed');
      const id = toHex(recipientCompressed);
      let x = window.shared.get(id);
      if (!x) {
        x = agreeWith(recipientCompressed, window.pair).sharedX;
        window.shared.set(id, x);
      }
      // Copies: wrapKeyWith wipes the shared x it is given.
      return { ephemeral: window.pair.publicKey.slice(), sharedX: x.slice() };
    };
    try {
      return seal(Object.assign(shared, { parseRecipient }));
    } finally {
      done = true;
    }
  };
  // A function of its own: the agreement's must keep its own forOneObject.
  const direct = (recipientCompressed: Uint8Array) => fresh(recipientCompressed);
  return Object.assign(direct, { parseRecipient, forOneObject: forWindowObject, wipeExpired });
}
