/**
 * Scratch: the signed request path alone, on one server (bench/server.ts's harness and load
 * generator): the unauthenticated GET /api/health and signed GET/PATCH /api/me, closed loop, one
 * after the other, repeated, so a reader sees same-minute ratios; optionally with the server under
 * --cpu-prof (PROFILE=dir; summarise with cpuprofile-summary.ts). BENCH_SERVER_ROOT measures another
 * checkout's build with this harness; SERVER_ENV="A=1,B=2" adds variables to the server's environment.
 *   node --conditions=llamenos-source --import tsx bench/prof/server-signed.ts [postgres|pglite] [seconds] [rounds] [routes: h,g,p,G,P,k,q,K,Q]
 * (G and P: GET and PATCH at a fixed 200/s, open loop; k, q, K, Q the same under a request key.)
 */
import { cpus, loadavg } from 'node:os';
import {
  ask,
  GET_ME,
  GET_ME_KEYED,
  HEALTH,
  PATCH_ME,
  PATCH_ME_KEYED,
  startBenchServer,
  summarize,
} from '../server.js';

const kind = (process.argv[2] ?? 'postgres') as 'postgres' | 'pglite';
const seconds = Number(process.argv[3] ?? 5);
const rounds = Number(process.argv[4] ?? 2);
const routes = (process.argv[5] ?? 'h,g,p').split(',');
const connections = Number(process.env.BENCH_SERVER_CONNECTIONS ?? 16);

// SERVER_ENV="A=1,B=2": extra variables for the server process.
const serverEnv = Object.fromEntries(
  (process.env.SERVER_ENV ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => kv.split('=') as [string, string]),
);
const bench = await startBenchServer(kind, { profileDir: process.env.PROFILE, idleSeconds: 1, serverEnv });
if (!bench) throw new Error('no PostgreSQL binaries');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
try {
  await ask(bench.generator, { type: 'closed', route: GET_ME, connections: 4, seconds: 1, presign: 400 });
  await ask(bench.generator, { type: 'closed', route: PATCH_ME, connections: 4, seconds: 1, presign: 400 });
  await ask(bench.generator, { type: 'closed', route: HEALTH, connections: 4, seconds: 1 });
  console.log(`${bench.label}, ${cpus().length} cores, ${connections} connections, ${seconds} s per run`);
  for (let round = 0; round < rounds; round++) {
    let health = Number.NaN;
    for (const r of routes) {
      const route = {
        h: HEALTH,
        g: GET_ME,
        p: PATCH_ME,
        G: GET_ME,
        P: PATCH_ME,
        k: GET_ME_KEYED,
        q: PATCH_ME_KEYED,
        K: GET_ME_KEYED,
        Q: PATCH_ME_KEYED,
      }[r];
      if (!route) throw new Error(`unknown route ${r}`);
      const message = ['G', 'P', 'K', 'Q'].includes(r)
        ? { type: 'open', route, rate: 200, seconds }
        : { type: 'closed', route, connections, seconds, presign: seconds * 4000 };
      const result = await ask(bench.generator, message, bench);
      if (r === 'h') health = result.rate;
      const ratio =
        r !== 'h' && r === r.toLowerCase()
          ? ` (${((result.rate / health) * 100).toFixed(0)}% of health)`
          : '';
      console.log(`${r} ${result.rate.toFixed(0)} req/s${ratio}; ${summarize(result)}; load ${load()}`);
    }
  }
} finally {
  await bench.stop();
}
