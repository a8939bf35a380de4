/**
 * Scratch A/B of the signed-request statement (auth/signed-requests.ts), interleaved in one process
 * (load drift cancels): the signer's standing read by every statement (a new MemberStanding each
 * time, as before identity/005) against kept between statements (one MemberStanding), batches of
 * 16 tokens of one member, as 16 connections give. Reports the process's CPU and, on PostgreSQL,
 * its backends' CPU (from /proc), per token.
 *   node --conditions=llamenos-source --import tsx bench/prof/server-standing-ab.ts
 * (LLAMENOS_TEST_DATABASE_URL=… for PostgreSQL).
 */
import { randomBytes } from 'node:crypto';
import { MemberStanding, standingOfTokens } from '../../apps/server/src/auth/signed-requests.js';
import { createTestHotline } from '../../apps/server/test/helpers.js';
import { backends as backendsOf, cpuOf } from './backend-cpu.js';

const h = await createTestHotline();
const member = await h.addUser(['volunteer'], 'Bench');
const db = h.ctx.db;
const backends = () => backendsOf(db);

const kept = new MemberStanding();
const variants: Record<string, () => MemberStanding> = {
  'read every statement': () => new MemberStanding(),
  'kept between statements': () => kept,
};
const BATCHES = 150;
const BATCH = 16;
const results: Record<string, { cpu: number[]; db: number[]; wall: number[] }> = {};
for (let round = 0; round < 6; round++) {
  for (const [name, standing] of Object.entries(variants)) {
    const pids = await backends();
    const db0 = cpuOf(pids);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let b = 0; b < BATCHES; b++) {
      const tokens = Array.from({ length: BATCH }, () => ({
        eventId: randomBytes(32).toString('hex'),
        pubkey: member.pubkey,
        rememberUntil: new Date(Date.now() + 60_000),
      }));
      const s = await standingOfTokens(db, tokens, standing());
      if (![...s.values()].every((t) => t.fresh && t.user)) throw new Error('refused');
    }
    const n = BATCHES * BATCH;
    const { user, system } = process.cpuUsage(cpu0);
    results[name] ??= { cpu: [], db: [], wall: [] };
    const r = results[name];
    if (round > 0) {
      r.wall.push((performance.now() - t0) / n);
      r.cpu.push((user + system) / 1000 / n);
      r.db.push(((cpuOf(pids) - db0) * 1000) / n);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${db.kind}, ${BATCHES} statements of ${BATCH} tokens per run, median of 5 rounds`);
for (const [key, r] of Object.entries(results))
  console.log(
    `${key.padEnd(26)} process CPU ${median(r.cpu).toFixed(3)} ms/token, PostgreSQL CPU ${median(r.db).toFixed(3)} ms/token, wall ${median(r.wall).toFixed(3)} ms/token`,
  );
await h.close();
