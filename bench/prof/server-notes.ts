/** Scratch profiler: POST /api/notes and GET /api/notes?limit=50 in-process on PGlite. */
import { randomUUID } from 'node:crypto';
import { createAuthHeader, PURPOSES, sealForReaders, utf8 } from '@llamenos/crypto';
import { noteRecordId } from '@llamenos/protocol';
import type { Queryable } from '../../apps/server/src/db/database.js';
import { createTestHotline, PUBLIC_URL } from '../../apps/server/test/helpers.js';

const N = Number(process.env.N ?? 5000);
const POSTS = Number(process.env.POSTS ?? 200);
const h = await createTestHotline();
const admin = await h.addUser(['admin'], 'Admin');
const db = h.ctx.db;

// Trace every query (outside and inside transactions).
const stats = new Map<string, { n: number; ms: number }>();
let tracing = false;
const traced = <Q extends Queryable>(q: Q): Q => {
  const orig = q.query.bind(q);
  q.query = (async (sql: string, params?: unknown[]) => {
    const t = performance.now();
    try {
      return await orig(sql, params);
    } finally {
      if (tracing) {
        const key = sql.replace(/\s+/g, ' ').slice(0, 90);
        const s = stats.get(key) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += performance.now() - t;
        stats.set(key, s);
      }
    }
  }) as Q['query'];
  return q;
};
traced(db);
const origTx = db.transaction.bind(db);
db.transaction = (<T>(fn: (tx: Queryable) => Promise<T>) =>
  origTx((tx) => fn(traced(tx)))) as typeof db.transaction;

const seal = (id: string, i: number) =>
  sealForReaders(
    utf8(JSON.stringify({ text: `note ${i} ${'x'.repeat(200)}`, fields: {}, schema: 1 })),
    [admin.pubkey],
    {
      purpose: PURPOSES.note,
      recordId: noteRecordId(id, 1),
    },
  );

// 1. POST /api/notes, sequential.
const bodies = Array.from({ length: POSTS }, (_, i) => {
  const id = randomUUID();
  return JSON.stringify({ id, callId: `CA-${i % 50}`, envelope: seal(id, i) });
});
for (let i = 0; i < 20; i++) {
  const b = bodies.pop() as string;
  await h.request('POST', '/api/notes', { as: admin, body: b });
}
tracing = true;
let signMs = 0;
const t0 = performance.now();
for (const body of bodies) {
  const s = performance.now();
  const authorization = createAuthHeader(
    { url: `${PUBLIC_URL}/api/notes`, method: 'POST', body },
    admin.secretKey,
  );
  signMs += performance.now() - s;
  const res = await h.app.request(`${PUBLIC_URL}/api/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body,
  });
  if (res.status !== 201) throw new Error(await res.text());
}
const total = performance.now() - t0;
tracing = false;
console.log(
  `POST /api/notes: ${(total / bodies.length).toFixed(2)} ms/note (client signing ${(signMs / bodies.length).toFixed(2)} ms of it)`,
);
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
for (const [sql, s] of rows)
  console.log(
    `  ${(s.ms / bodies.length).toFixed(2).padStart(6)} ms/req  ${String(s.n / bodies.length).padStart(4)}x  ${sql}`,
  );
const sqlMs = rows.reduce((a, [, s]) => a + s.ms, 0) / bodies.length;
console.log(
  `  SQL total ${sqlMs.toFixed(2)} ms/req; rest (verify, JSON, validation) ${(total / bodies.length - sqlMs - signMs / bodies.length).toFixed(2)} ms/req`,
);
stats.clear();

// 2. Fill up to N notes directly.
const have = Number((await db.query<{ c: number }>('select count(*)::int as c from notes'))[0]?.c);
const wrap = seal(randomUUID(), 0);
const base = Date.now() - N * 60_000;
for (let i = have; i < N; i += 500) {
  const ids = Array.from({ length: Math.min(500, N - i) }, () => randomUUID());
  const at = ids.map((_, j) => new Date(base + (i + j) * 60_000).toISOString());
  await db.query(
    `insert into notes (id, call_id, author_id, author_pubkey, current_version, created_at, updated_at)
     select id, 'CA-x', $2, $3, 1, at::timestamptz, at::timestamptz from unnest($1::text[], $4::text[]) t(id, at)`,
    [ids, admin.id, admin.pubkey, at],
  );
  await db.query(
    `insert into note_versions (note_id, version, ciphertext, created_at, created_by) select id, 1, $2, now(), $3 from unnest($1::text[]) id`,
    [ids, wrap.ciphertext, admin.pubkey],
  );
  await db.query(
    `insert into note_wraps (note_id, version, reader_pubkey, wrap) select id, 1, $2, $3 from unnest($1::text[]) id`,
    [ids, admin.pubkey, wrap.wraps[0]?.wrap],
  );
}
await db.exec('analyze');
console.log(`notes: ${(await db.query<{ c: number }>('select count(*)::int as c from notes'))[0]?.c}`);

// 3. GET /api/notes?limit=50 and 200-pages.
for (const [limit, cursorAt] of [
  [50, false],
  [200, true],
] as const) {
  let cursor = '';
  if (cursorAt) {
    const r = await (await h.request('GET', '/api/notes?limit=50', { as: admin })).json();
    cursor = `&cursor=${encodeURIComponent(r.nextCursor)}`;
  }
  const path = `/api/notes?limit=${limit}${cursor}`;
  for (let i = 0; i < 5; i++) await h.request('GET', path, { as: admin });
  tracing = true;
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const res = await h.request('GET', path, { as: admin });
    await res.text();
    times.push(performance.now() - t);
  }
  tracing = false;
  times.sort((a, b) => a - b);
  console.log(`GET ${path.slice(0, 40)}: median ${times[10]?.toFixed(2)} ms (incl. signing)`);
  for (const [sql, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms))
    console.log(`  ${(s.ms / 20).toFixed(2).padStart(6)} ms/req  ${String(s.n / 20).padStart(4)}x  ${sql}`);
  stats.clear();
}
const explain = await db.query<{ 'QUERY PLAN': string }>(
  `explain analyze select n.*, v.version, v.ciphertext, w.wrap
     from notes n
     join note_versions v on v.note_id = n.id and v.version = n.current_version
     left join note_wraps w on w.note_id = v.note_id and w.version = v.version and w.reader_pubkey = $1
     where n.deleted_at is null
     order by n.created_at desc, n.id desc
     limit 51`,
  [admin.pubkey],
);
console.log(explain.map((r) => r['QUERY PLAN']).join('\n'));
const explainVol = await db.query<{ 'QUERY PLAN': string }>(
  `explain analyze select n.*, v.version, v.ciphertext, w.wrap
     from notes n
     join note_versions v on v.note_id = n.id and v.version = n.current_version
     left join note_wraps w on w.note_id = v.note_id and w.version = v.version and w.reader_pubkey = $1
     where n.deleted_at is null and n.call_id = 'CA-3'
     order by n.created_at desc, n.id desc
     limit 51`,
  [admin.pubkey],
);
console.log(explainVol.map((r) => r['QUERY PLAN']).join('\n'));
await h.close();
