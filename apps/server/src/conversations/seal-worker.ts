import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { cachedAgreement, generateSecretKey, getPublicKey, secureRandom } from '@llamenos/crypto';
import { ephemeralKeyPairs } from './ephemeral-keys.js';
import { MESSAGE_KEY_REUSE, messageAgreement, sealMessage } from './seal.js';
import { type SealReply, type SealRequest, WORKER_TABLE_WINDOW } from './seal-pool.js';

/**
 * A sealing thread of the seal pool (seal-pool.ts): the same sealMessage the server's own thread
 * runs, with its own per-reader tables (an agreement's tables are not shared between threads).
 * The body arrives as UTF-8 bytes moved (not copied) into this thread, and is zeroed once sealed.
 */
const port = parentPort;
if (!port) throw new Error('the seal worker runs only as a worker thread');
const { readerTables } = workerData as { readerTables: number };
// Ephemeral keys from libsecp256k1 (WASM) once loaded, OpenSSL's before (ephemeral-keys.ts).
const ephemeral = ephemeralKeyPairs();
const agreement = cachedAgreement(readerTables, secureRandom, ephemeral.pair, WORKER_TABLE_WINDOW);
// Texts share one ephemeral key for a quarter of a second (seal.ts, MESSAGE_KEY_REUSE).
const texts = messageAgreement(agreement);
const decoder = new TextDecoder('utf-8', { fatal: true });
/** Throwaway readers a warm-up seals for: a text's wraps are its assignee's and the admins'. */
const WARM_UP_READERS = 3;

/**
 * Seals `texts` made-up bodies for throwaway readers with an agreement of their own, as this
 * thread seals texts (tables, a shared ephemeral key per window), and drops everything: the code
 * is optimised before the first real text (warm-up.ts). The real agreement and its tables are
 * not touched; no real reader's key is used.
 */
function warmUp(texts: number): void {
  const readers = Array.from({ length: WARM_UP_READERS }, () => {
    const secret = generateSecretKey();
    const reader = getPublicKey(secret);
    secret.fill(0);
    return reader;
  });
  const throwaway = cachedAgreement(WARM_UP_READERS, secureRandom, ephemeral.pair, WORKER_TABLE_WINDOW);
  for (const reader of readers) throwaway.prepare(reader);
  // A short window, so new ephemeral keys and shared points are made as well as reused; its own
  // clock, moved past the window at the end so the last key is wiped now rather than by a timer.
  let clock = 0;
  const window = throwaway.reuseWindow({
    maxAgeMs: MESSAGE_KEY_REUSE.maxAgeMs,
    maxObjects: 4,
    now: () => clock,
  });
  try {
    for (let i = 0; i < texts; i++) sealMessage(randomUUID(), `warm-up ${i}`, readers, window);
  } finally {
    clock = Number.POSITIVE_INFINITY;
    window.wipeExpired();
  }
}

port.on('message', (request: SealRequest) => {
  let reply: SealReply;
  try {
    if (request.kind === 'prepare') {
      for (const reader of request.readers) {
        try {
          agreement.prepare(reader);
        } catch {
          // A key that is not on the curve: its wraps fail in the webhook that needs them.
        }
      }
      reply = { id: request.id, ok: true, sealed: null };
    } else if (request.kind === 'warm') {
      warmUp(request.texts);
      reply = { id: request.id, ok: true, sealed: null };
    } else {
      const body = new Uint8Array(request.body);
      try {
        const sealed = sealMessage(request.messageId, decoder.decode(body), request.readers, texts);
        reply = { id: request.id, ok: true, sealed };
      } finally {
        body.fill(0);
      }
    }
  } catch (error) {
    // Only the error's kind crosses back: a message would not say more than the webhook's 4xx/5xx.
    reply = { id: request.id, ok: false, error: (error as Error)?.name ?? 'Error' };
  }
  port.postMessage(reply);
});
// Ready once the WASM engine is loaded (or has failed to): the pool sends texts here from then on
// (before, they are sealed in the server's thread).
void ephemeral
  .load()
  .then((engine) => port.postMessage({ id: 0, ok: true, sealed: null, engine } satisfies SealReply));
