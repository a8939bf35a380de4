/** Scratch A/B: old vs new statements of POST /api/notes, interleaved in one process (load drift cancels). */
import { randomUUID } from 'node:crypto';
import { createTestHotline } from '../../apps/server/test/helpers.js';

const h = await createTestHotline();
const admin = await h.addUser(['admin'], 'Admin');
for (let i = 0; i < 5; i++) await h.addUser(['volunteer'], `V${i}`);
const db = h.ctx.db;
const wrap = 'A'.repeat(142);
const ct = 'B'.repeat(400);
const now = new Date();
const variants: Record<string, () => Promise<unknown>> = {
  'readers old (2 queries)': async () => {
    await db.query('select id, pubkey, roles from users where active order by pubkey');
    await db.query('select id, permissions from custom_roles');
  },
  'readers new (1 query)': () =>
    db.query(`select u.id, u.pubkey, u.roles,
       (select jsonb_object_agg(c.id, c.permissions) from custom_roles c
        where c.id in (select jsonb_array_elements_text(u.roles))) as custom
     from users u where u.active order by u.pubkey`),
  'insert old (3 queries)': () =>
    db.transaction(async (tx) => {
      const id = randomUUID();
      await tx.query(
        `insert into notes (id, call_id, author_id, author_pubkey, current_version, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing returning id`,
        [id, 'CA', admin.id, admin.pubkey, 1, now, now],
      );
      await tx.query(
        'insert into note_versions (note_id, version, ciphertext, created_at, created_by) values ($1, $2, $3, $4, $5)',
        [id, 1, ct, now, admin.pubkey],
      );
      await tx.query(
        `insert into note_wraps (note_id, version, reader_pubkey, wrap)
     select $1, $2, r, w from unnest($3::text[], $4::text[]) as t(r, w)`,
        [id, 1, [admin.pubkey], [wrap]],
      );
    }),
  'insert new (1 statement)': () =>
    db.transaction(async (tx) => {
      const id = randomUUID();
      await tx.query(
        `with n as (
       insert into notes (id, call_id, author_id, author_pubkey, current_version, created_at, updated_at)
       values ($1, $2, $3, $4, 1, $5, $5) on conflict (id) do nothing returning id
     ), v as (
       insert into note_versions (note_id, version, ciphertext, created_at, created_by)
       select id, 1, $6, $5, $7 from n returning note_id, version
     ), w as (
       insert into note_wraps (note_id, version, reader_pubkey, wrap)
       select v.note_id, v.version, r, w from v, unnest($8::text[], $9::text[]) as t(r, w)
     )
     select exists (select 1 from n) as created`,
        [id, 'CA', admin.id, admin.pubkey, now, ct, admin.pubkey, [admin.pubkey], [wrap]],
      );
    }),
};
let seq = 1_000_000;
Object.assign(variants, {
  'audit old (2 writes)': () =>
    db.transaction(async (tx) => {
      await tx.query('select seq, hash from audit_chain_head where id = 1 for update');
      seq++;
      await tx.query(
        `insert into audit_log (seq, created_at, action, actor_pubkey, target, details, ip_hash, previous_hash, hash)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)`,
        [seq, now, 'x', null, null, '{}', null, 'a'.repeat(64), seq.toString(16).padStart(64, '0')],
      );
      await tx.query('update audit_chain_head set seq = $1, hash = $2 where id = 1', [
        seq,
        seq.toString(16).padStart(64, '0'),
      ]);
    }),
  'audit new (1 write)': () =>
    db.transaction(async (tx) => {
      await tx.query('select seq, hash from audit_chain_head where id = 1 for update');
      seq++;
      await tx.query(
        `with head as (update audit_chain_head set seq = $1, hash = $9 where id = 1)
     insert into audit_log (seq, created_at, action, actor_pubkey, target, details, ip_hash, previous_hash, hash)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)`,
        [seq, now, 'x', null, null, '{}', null, 'a'.repeat(64), seq.toString(16).padStart(64, '0')],
      );
    }),
});
const totals = new Map<string, number[]>();
for (let round = 0; round < 12; round++) {
  for (const [name, fn] of Object.entries(variants)) {
    const t = performance.now();
    for (let i = 0; i < 40; i++) await fn();
    if (round >= 2) (totals.get(name) ?? totals.set(name, []).get(name))?.push((performance.now() - t) / 40);
  }
}
for (const [name, xs] of totals) {
  xs.sort((a, b) => a - b);
  console.log(`${name.padEnd(28)} median ${xs[xs.length >> 1]?.toFixed(3)} ms`);
}
await h.close();
