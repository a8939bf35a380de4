import { createECDH, randomBytes } from 'node:crypto';
import {
  type CachedAgreement,
  type EphemeralAgreement,
  type EphemeralKeyPair,
  encryptContent,
  type KeyReuse,
  type KeyReuseWindow,
  PURPOSES,
  type Purpose,
  toBase64url,
  utf8,
  wrapKey,
  wrapKeyWith,
} from '@llamenos/crypto';
import { type MessagePayload, messageRecordId } from '@llamenos/protocol';

/**
 * How the server seals what arrives from a contact (PROTOCOL.md §9.3): the same envelope a
 * browser makes with sealForReaders, with each wrap's ECDH done by an EphemeralAgreement. Three
 * were measured for a wrap (`npm run bench -- messaging`, CPU on 2 shared cores): the plain JS
 * ECDH (@noble/curves) about 2.5 ms, Node's OpenSSL secp256k1 about 1.3 ms, and the JS one with a
 * precomputed table per reader (`cachedAgreement`) about 0.7 ms. A message is wrapped for the
 * same few readers over and over (its assignee and every admin), so the server keeps the tables
 * (`ctx.conversations.agreement`) and uses them, with each wrap's ephemeral key pair made by
 * OpenSSL (`nativeEphemeralKeyPair`: about 0.25 ms against 0.33 ms for the JS base-point
 * multiplication). A message's wraps share ONE ephemeral key (`forOneObject`, PROTOCOL.md §6; why
 * it is safe: THREAT-MODEL.md): one base-point multiplication per message instead of one per
 * wrap. Measured again for the shared key (CPU per call): OpenSSL's ECDH with a fixed key
 * (`computeSecret`) about 0.67 ms, the JS table multiplication about 0.28 ms, so the tables stay;
 * a 6-wrap message went from about 3.2 ms of wraps to about 1.9 ms, and the profiling harness
 * (bench/prof/server-messaging.ts, PostgreSQL) from 7.7 to 5.9 ms a message. The tables have
 * 8-bit windows (`ctx.conversations.agreement`): about 1 MB and 40 ms to build per reader, once
 * per process, for a multiplication about a fifth faster than with 6 (0.23 against 0.29 ms; the
 * harness, every contact warmed: 4.1 against 4.7 ms a message). The ephemeral key pair is now
 * libsecp256k1's in WASM once loaded (ephemeral-keys.ts: about 0.19 ms against OpenSSL's 0.37 on
 * the loaded 2-core machine), OpenSSL's before. The output is the same format whichever does the
 * ECDH (the tests open the server's wraps with the reference code).
 */

/**
 * How long one ephemeral key serves the texts a sealing thread seals (PROTOCOL.md §6, "One
 * ephemeral key for a short window of objects"; THREAT-MODEL.md says why it is safe and what it
 * changes): a quarter of a second, at most 64 texts. A text's six wraps were six table
 * multiplications (about 0.25 ms each) and a base-point one, the largest cost of taking a text
 * in; within a window each reader's shared point is computed once, so at 200 texts a second
 * (about 50 a window per thread) a wrap costs an HKDF and an AEAD of 32 bytes. When texts come
 * less than four a second, each still has a key of its own.
 */
export const MESSAGE_KEY_REUSE: KeyReuse = { maxAgeMs: 250, maxObjects: 64 };

/**
 * The agreement a sealing thread seals texts with: `agreement`'s reuse window, with a timer that
 * wipes the window's key once its time is up when no text comes after it (unref'd: it keeps no
 * process alive).
 */
export function messageAgreement(
  agreement: CachedAgreement,
  reuse: KeyReuse = MESSAGE_KEY_REUSE,
): KeyReuseWindow {
  const window = agreement.reuseWindow(reuse);
  let sweeping = false;
  const sweepIn = (ms: number) => {
    sweeping = true;
    setTimeout(() => {
      sweeping = false;
      const left = window.wipeExpired();
      if (left !== null) sweepIn(left + 1);
    }, ms).unref();
  };
  const forOneObject: KeyReuseWindow['forOneObject'] = (seal) => {
    try {
      return window.forOneObject(seal);
    } finally {
      if (!sweeping) sweepIn(reuse.maxAgeMs + 1);
    }
  };
  return Object.assign((recipient: Uint8Array) => window(recipient), {
    parseRecipient: window.parseRecipient,
    forOneObject,
    wipeExpired: window.wipeExpired,
  });
}

/**
 * A fresh ephemeral key pair from Node's OpenSSL (constant-time, and about a third cheaper than
 * the JS base-point multiplication with its scalar blinding): what `ctx.conversations.agreement`
 * pairs with its per-reader tables until libsecp256k1 is loaded (ephemeral-keys.ts). The secret is handed over once and wiped by the agreement.
 */
export const nativeEphemeralKeyPair: EphemeralKeyPair = () => {
  const ecdh = createECDH('secp256k1');
  ecdh.generateKeys();
  const secret = ecdh.getPrivateKey();
  const pair = {
    secret: new Uint8Array(secret),
    publicKey: new Uint8Array(ecdh.getPublicKey(null, 'compressed')),
  };
  secret.fill(0);
  return pair;
};

/** Node's ECDH: a fresh ephemeral key pair per wrap. Kept for the benchmark's comparison. */
export const nativeAgreement: EphemeralAgreement = (recipientCompressed) => {
  const ecdh = createECDH('secp256k1');
  ecdh.generateKeys();
  return {
    ephemeral: new Uint8Array(ecdh.getPublicKey(null, 'compressed')),
    sharedX: new Uint8Array(ecdh.computeSecret(recipientCompressed)),
  };
};

/** One wrap of `key` for `reader` under `purpose`'s wrap label and `recordId`; no `agree`: the reference. */
export function wrapFor(
  key: Uint8Array,
  reader: string,
  purpose: Purpose,
  recordId: string,
  agree?: EphemeralAgreement,
): string {
  const ctx = { label: purpose.wrap, recordId };
  return toBase64url(agree ? wrapKeyWith(key, reader, ctx, agree) : wrapKey(key, reader, ctx));
}

export interface SealedMessage {
  ciphertext: string;
  wraps: { reader: string; wrap: string }[];
}

/** Seals a message body for `readers` (deduplicated), under a fresh key that is then wiped. */
export function sealMessage(
  messageId: string,
  body: string,
  readers: readonly string[],
  agree: EphemeralAgreement & Partial<Pick<CachedAgreement, 'forOneObject'>>,
): SealedMessage {
  const recordId = messageRecordId(messageId);
  const payload: MessagePayload = { v: 1, body };
  const key = randomBytes(32);
  try {
    const ciphertext = toBase64url(
      encryptContent(key, utf8(JSON.stringify(payload)), { label: PURPOSES.message.content, recordId }),
    );
    const wrapAll = (agreement: EphemeralAgreement) =>
      [...new Set(readers)].map((reader) => ({
        reader,
        wrap: wrapFor(key, reader, PURPOSES.message, recordId, agreement),
      }));
    // One ephemeral key for this message's wraps, where the agreement offers it (see above).
    const wraps = agree.forOneObject ? agree.forOneObject(wrapAll) : wrapAll(agree);
    return { ciphertext, wraps };
  } finally {
    key.fill(0);
  }
}
