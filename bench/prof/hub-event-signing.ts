/**
 * Micro-measure of signing one hub event (the server signs one per call ring/answer/end and per
 * inbound text): realtime/verify.ts signFast with the server's key pair kept, against
 * nostr-wasm's finalizeEvent (the key pair rebuilt for every event) and @llamenos/crypto's pure
 * JavaScript signEvent.
 *   node --conditions=llamenos-source --import tsx bench/prof/hub-event-signing.ts
 */
import { generateSecretKey, HUB_EVENT_KIND, HUB_EVENT_TAG, signEvent } from '@llamenos/crypto';
import { finalizeEvent } from 'nostr-tools/wasm';
import { initVerifier, signerKeepsKeyPair, signFast } from '../../apps/server/src/realtime/verify.js';

async function main() {
  await initVerifier();
  const key = generateSecretKey();
  // About the size of a sealed call event's content.
  const content = 'x'.repeat(600);
  const template = () => ({
    kind: HUB_EVENT_KIND,
    created_at: 1_700_000_000,
    tags: [[...HUB_EVENT_TAG]],
    content,
  });
  const perCall = (name: string, f: () => void, n: number) => {
    for (let i = 0; i < n / 10; i++) f();
    const start = performance.now();
    for (let i = 0; i < n; i++) f();
    console.log(`${name.padEnd(44)} ${(((performance.now() - start) / n) * 1000).toFixed(1)} µs`);
  };
  console.log(`signFast keeps the key pair: ${signerKeepsKeyPair()}`);
  perCall('signFast (kept key pair)', () => signFast(template(), key), 4000);
  perCall('nostr-wasm finalizeEvent (pair per event)', () => finalizeEvent(template(), key), 4000);
  perCall('signEvent (pure JavaScript)', () => signEvent(template(), key), 300);
}

main();
