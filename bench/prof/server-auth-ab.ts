/**
 * Scratch A/B of the NIP-98 step of a signed request, interleaved in one process (load drift
 * cancels): the old path (pure-JS verify; replay insert, user lookup and passkey check as three
 * statements) against the current one (WASM verify; one statement), CPU and wall time per token,
 * one at a time and 16 at once. Run: node --conditions=llamenos-source --import tsx bench/prof/server-auth-ab.ts
 * (LLAMENOS_TEST_DATABASE_URL=… for PostgreSQL).
 */
import { createAuthHeader, verifyAuthHeader } from '@llamenos/crypto';
import { needsPasskey } from '../../apps/server/src/auth/passkey-policy.js';
import { verifyTokenSignature } from '../../apps/server/src/auth/request-signature.js';
import { SignedRequestBatcher } from '../../apps/server/src/auth/signed-requests.js';
import { lookupActiveUser } from '../../apps/server/src/identity/lookup.js';
import { initVerifier } from '../../apps/server/src/realtime/verify.js';
import { createTestHotline, PUBLIC_URL } from '../../apps/server/test/helpers.js';

await initVerifier();
const h = await createTestHotline();
const member = await h.addUser(['volunteer'], 'Bench');
const db = h.ctx.db;
const url = `${PUBLIC_URL}/api/me`;
const batcher = new SignedRequestBatcher(db);
const nowS = () => Math.floor(Date.now() / 1000);

const variants: Record<string, (header: string) => Promise<unknown>> = {
  'old: pure verify + 3 statements': async (header) => {
    const v = verifyAuthHeader(header, { url, method: 'GET' }, nowS());
    const [row] = await db.query(
      'insert into auth_replay (event_id, remember_until) values ($1, $2) on conflict (event_id) do nothing returning event_id',
      [v.eventId, new Date(v.rememberUntil * 1000)],
    );
    if (!row) throw new Error('replay');
    const user = await lookupActiveUser(db, v.pubkey);
    if (!user) throw new Error('no user');
    return needsPasskey(db, user.id);
  },
  'new: WASM verify + 1 statement (batched)': async (header) => {
    const v = verifyAuthHeader(header, { url, method: 'GET' }, nowS(), verifyTokenSignature);
    const s = await batcher.standing({
      eventId: v.eventId,
      pubkey: v.pubkey,
      rememberUntil: new Date(v.rememberUntil * 1000),
    });
    if (!s.fresh || !s.user) throw new Error('refused');
  },
};

const N = 400;
const results: Record<string, { cpu: number[]; wall: number[] }> = {};
for (let round = 0; round < 4; round++) {
  for (const [name, run] of Object.entries(variants)) {
    for (const concurrency of [1, 16]) {
      const headers = Array.from({ length: N }, () =>
        createAuthHeader({ url, method: 'GET' }, member.secretKey),
      );
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < N) await run(headers[next++]!);
        }),
      );
      const wall = (performance.now() - t0) / N;
      const { user, system } = process.cpuUsage(cpu0);
      const key = `${name} ×${concurrency}`;
      results[key] ??= { cpu: [], wall: [] };
      if (round > 0) {
        results[key].cpu.push((user + system) / 1000 / N);
        results[key].wall.push(wall);
      }
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${db.kind}, ${N} tokens per run, median of 3 rounds (CPU includes PGlite's, not PostgreSQL's)`);
for (const [key, r] of Object.entries(results))
  console.log(
    `${key.padEnd(48)} CPU ${median(r.cpu).toFixed(3)} ms/token, wall ${median(r.wall).toFixed(3)} ms/token`,
  );
await h.close();
