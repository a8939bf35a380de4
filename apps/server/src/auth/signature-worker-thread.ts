/**
 * The worker thread behind signature-worker.ts: checks batches of NIP-98 events (id hash and
 * BIP-340 signature) and answers each batch with one byte per event (1 valid, 0 not), in the
 * order the batches came. The check is nostr-wasm's verifyEvent, the very call nostr-tools' WASM
 * verifier (request-signature.ts, through realtime/verify.ts) makes; the events' hex spellings
 * were checked on the main thread before they were sent. Only nostr-wasm is loaded here, so
 * the thread costs a few megabytes, not a second copy of the server's crypto modules.
 */
import { parentPort } from 'node:worker_threads';
import { initNostrWasm } from 'nostr-wasm';

const port = parentPort;
if (!port) throw new Error('signature-worker-thread runs only as a worker thread');

interface SignedEvent {
  id: string;
  pubkey: string;
  sig: string;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
}

try {
  const engine = await initNostrWasm();
  port.on('message', (events: SignedEvent[]) => {
    const verdicts = new Uint8Array(events.length);
    for (let i = 0; i < events.length; i++) {
      try {
        engine.verifyEvent(events[i]!);
        verdicts[i] = 1;
      } catch {
        verdicts[i] = 0;
      }
    }
    port.postMessage(verdicts, [verdicts.buffer]);
  });
  port.postMessage({ ready: 'wasm' });
} catch {
  // No WASM here: the main thread keeps checking (signature-worker.ts).
  port.postMessage({ ready: 'none' });
}
