/**
 * Scratch A/B of a profile edit (PATCH /api/me's write, identity/users.ts), interleaved in one
 * process so load drift cancels: updateProfile as it is (one statement on the kept audit head's
 * guess) against the transaction it was before (begin, the update, the guessed audit append,
 * commit: four round trips). Reports wall time, this process's CPU and, on PostgreSQL, its
 * backends' CPU (from /proc), per edit.
 *   node --conditions=llamenos-source --import tsx bench/prof/profile-edit-ab.ts [edits per run]
 * (LLAMENOS_TEST_DATABASE_URL=… for PostgreSQL.)
 */
import { appendAuditInTx, emptyAuditHeadCache } from '../../apps/server/src/audit/service.js';
import { identityEntry } from '../../apps/server/src/identity/service.js';
import { updateProfile } from '../../apps/server/src/identity/users.js';
import { createTestHotline } from '../../apps/server/test/helpers.js';
import { backends as backendsOf, cpuOf } from './backend-cpu.js';

const edits = Number(process.argv[2] ?? 2000);
const h = await createTestHotline();
const member = await h.addUser(['volunteer'], 'Bench');
const db = h.ctx.db;
const backends = () => backendsOf(db);

const actor = { userId: member.id, pubkey: member.pubkey, permissions: [], ipHash: 'bench' };
const head = emptyAuditHeadCache();
const oneStatement = () => updateProfile(db, member.id, { onBreak: false }, actor, new Date(), head);
const transaction = async () => {
  const now = new Date();
  const audit = identityEntry(actor, 'profile-updated', `user:${member.id}`, { fields: ['onBreak'] });
  await db.transaction(async (tx) => {
    await tx.query(
      'update users set on_break = coalesce($2, on_break), updated_at = $3 where id = $1 returning *',
      [member.id, false, now],
    );
    await appendAuditInTx(tx, audit, now, head);
  });
};

for (let i = 0; i < 300; i++) {
  await oneStatement();
  await transaction();
}
const pids = await backends();
console.log(`${db.kind}, ${edits} edits per run`);
for (let round = 0; round < 3; round++) {
  for (const [name, edit] of [
    ['one statement', oneStatement],
    ['transaction', transaction],
  ] as const) {
    const cpu = process.cpuUsage();
    const database = cpuOf(pids);
    const started = performance.now();
    for (let i = 0; i < edits; i++) await edit();
    const wall = (performance.now() - started) / edits;
    const used = process.cpuUsage(cpu);
    const process_ = (used.user + used.system) / 1000 / edits;
    const backend = ((cpuOf(pids) - database) * 1000) / edits;
    console.log(
      `${name}: ${wall.toFixed(3)} ms wall, process CPU ${process_.toFixed(3)} ms${pids.length ? `, PostgreSQL CPU ${backend.toFixed(3)} ms` : ''} per edit`,
    );
  }
}
await h.close();
