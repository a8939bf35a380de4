/**
 * Scratch: the CPU of one BIP-340 check of a NIP-98 token on this machine, the floor under every
 * signed request (docs/PROTOCOL.md Section 5.1 step 3): nostr-wasm's verifyEvent (libsecp256k1 in
 * WASM, what the server's signature worker runs), @noble/curves' schnorr.verify (pure JS, the
 * fallback), and the same sum s·G − e·P with a window table kept for P (what caching a member's
 * public key point could save; not the BIP-340 check itself, only its costly part).
 *   node bench/prof/verify-cost.mjs [tokens=1000] [rounds=3]
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { finalizeEvent } from 'nostr-tools/pure';
import { initNostrWasm } from 'nostr-wasm';

const count = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 3);
const wasm = await initNostrWasm();
const secretKey = schnorr.utils.randomSecretKey();
const nonce = () => bytesToHex(crypto.getRandomValues(new Uint8Array(16)));
const events = Array.from({ length: count }, (_, i) =>
  finalizeEvent(
    {
      kind: 27235,
      created_at: 1_800_000_000 + i,
      content: '',
      tags: [
        ['u', 'https://hotline.example/api/me'],
        ['method', 'GET'],
        ['payload', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
        ['nonce', nonce()],
      ],
    },
    secretKey,
  ),
);
const Point = secp256k1.Point;
const n = Point.CURVE().n;
const P = schnorr.utils.lift_x(BigInt(`0x${events[0].pubkey}`));
P.precompute(8);
const scalars = events.map((e) => BigInt(`0x${e.id}`) % n);

const time = (label, fn) => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) fn(i);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / count;
  console.log(`${label.padEnd(44)} ${ms.toFixed(3)} ms`);
};
for (let round = 1; round <= rounds; round++) {
  console.log(`round ${round}, ${count} tokens`);
  // verifyEvent recomputes the id, then checks the signature; it throws on a bad one.
  time('nostr-wasm verifyEvent', (i) => wasm.verifyEvent(events[i]));
  time('@noble/curves schnorr.verify', (i) => {
    const e = events[i];
    if (!schnorr.verify(hexToBytes(e.sig), hexToBytes(e.id), hexToBytes(e.pubkey)))
      throw new Error('refused');
  });
  time('s·G − e·P with P precomputed (not a check)', (i) => {
    Point.BASE.multiplyUnsafe(scalars[i])
      .add(P.multiplyUnsafe(n - scalars[i]))
      .toAffine();
  });
}
