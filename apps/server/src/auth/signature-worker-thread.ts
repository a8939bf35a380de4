/**
 * The worker thread behind signature-worker.ts: checks batches of NIP-98 events (id hash and
 * BIP-340 signature) on the same engine and with the same strictness as the main thread's
 * verifyTokenSignature, and answers each batch with one byte per event (1 valid, 0 not), in the
 * order the batches came.
 */
import { parentPort } from 'node:worker_threads';
import type { NostrEvent } from '@llamenos/crypto';
import { initVerifier } from '../realtime/verify.js';
import { verifyTokenSignature } from './request-signature.js';

const port = parentPort;
if (!port) throw new Error('signature-worker-thread runs only as a worker thread');

const engine = await initVerifier();
port.on('message', (events: NostrEvent[]) => {
  const verdicts = new Uint8Array(events.length);
  for (let i = 0; i < events.length; i++) {
    try {
      verdicts[i] = verifyTokenSignature(events[i]!) ? 1 : 0;
    } catch {
      verdicts[i] = 0;
    }
  }
  port.postMessage(verdicts, [verdicts.buffer]);
});
// Only a WASM engine is worth a thread: the pure one would be no faster than the main thread's.
port.postMessage({ ready: engine });
