// Load generator for the server benchmark (bench/server.ts), in its own process (forked, IPC):
// signed HTTP requests to a real server on loopback over keep-alive node:http connections.
//
// Each request carries a fresh NIP-98 header: the same kind-27235 event as @llamenos/crypto's
// createAuthHeader (tags u, method, payload, nonce), signed with nostr-tools' WASM signer
// (libsecp256k1); or, for a route with scheme 'request-key', an HMAC under a request key the
// generator obtained with one NIP-98 request (PROTOCOL.md §5.4). The generator must not compete with the server for the machine's cores while it
// measures, so every token a run needs is signed before its clock starts (a token is valid for
// 60 s and single-use; a run lasts well under that): during the run the client only writes bytes.
// A token signed on the spot because the stock ran out is counted (signedLate). The first token of
// every request shape is checked with @llamenos/crypto's verifyAuthHeader, so the generator cannot
// drift from the real format. A shape with `signed: false` sends no Authorization header (the
// unauthenticated reference route). Each result carries the generator's own CPU time during the run.
//
// Commands (process.send): { type: 'open', ... } a fixed-rate open-loop run, { type: 'closed', ... }
// a closed-loop run with N connections. Each answers with { type: 'result', ... }.
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createAuthHeader, createRequestKeyHeader, fromHex, verifyAuthHeader } from '@llamenos/crypto';
import { finalizeEvent, setNostrWasm } from 'nostr-tools/wasm';
import { initNostrWasm } from 'nostr-wasm';

setNostrWasm(await initNostrWasm());

const origin = process.env.BENCH_ORIGIN; // where we connect: http://127.0.0.1:<port>
const publicUrl = process.env.BENCH_PUBLIC_URL; // what tokens name (the server's PUBLIC_URL)
const secretKey = Uint8Array.from(Buffer.from(process.env.BENCH_SECRET_KEY ?? '', 'hex'));
const target = new URL(origin);
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// BENCH_SERVER_TRACE=<file>: every request's send time (epoch ms) and latency, one line each, appended
// after each run, to line the slow ones up with the server's own timings.
const traceFile = process.env.BENCH_SERVER_TRACE;
const trace = traceFile ? [] : null;
const flushTrace = () => {
  if (trace?.length) appendFileSync(traceFile, `${trace.splice(0).join('\n')}\n`);
};

/** Request keys are asked for again when this old (they live 600 s; a run is far shorter). */
const REQUEST_KEY_REUSE_MS = 300_000;
let requestKey = null;

/** A request key (PROTOCOL.md §5.4), obtained with one NIP-98 request, as the web client does. */
async function currentRequestKey() {
  if (requestKey && Date.now() - requestKey.at < REQUEST_KEY_REUSE_MS) return requestKey;
  const path = '/api/auth/request-key';
  const authorization = createAuthHeader({ url: `${publicUrl}${path}`, method: 'POST' }, secretKey);
  const response = await fetch(`${origin}${path}`, { method: 'POST', headers: { authorization } });
  if (!response.ok) throw new Error(`request key refused: ${response.status} ${await response.text()}`);
  const answer = await response.json();
  requestKey = { keyId: answer.keyId, key: fromHex(answer.key, 32), at: Date.now() };
  return requestKey;
}

/**
 * One request shape: method, path, body, and a queue of tokens signed for it: NIP-98 headers,
 * or with `scheme: 'request-key'` headers under a request key (an HMAC each).
 */
async function shape({ method, path, body, signed = true, scheme = 'nip98' }) {
  const bytes = Buffer.from(body ?? '');
  const payload = createHash('sha256').update(bytes).digest('hex');
  const url = `${publicUrl}${path}`;
  const keyed = signed && scheme === 'request-key' ? await currentRequestKey() : null;
  const sign = () => {
    if (keyed) return createRequestKeyHeader({ url, method, bodySha256: payload }, keyed);
    const event = finalizeEvent(
      {
        kind: 27235,
        created_at: Math.floor(Date.now() / 1000),
        content: '',
        tags: [
          ['u', url],
          ['method', method],
          ['payload', payload],
          ['nonce', randomBytes(16).toString('hex')],
        ],
      },
      secretKey,
    );
    const { id, pubkey, created_at, kind, tags, content, sig } = event;
    const json = JSON.stringify({ kind, created_at, content, tags, pubkey, id, sig });
    return `Nostr ${Buffer.from(json).toString('base64')}`;
  };
  // Throws if our NIP-98 format is off (a request key's MAC only the server can check: a 401 counts as an error).
  if (signed && !keyed) verifyAuthHeader(sign(), { url, method, body: new Uint8Array(bytes) });
  const tokens = [];
  let signedLate = 0;
  return {
    method,
    path,
    bytes,
    fill(count) {
      if (!signed) return;
      for (let i = 0; i < count; i++) tokens.push({ header: sign(), at: Date.now() });
    },
    size: () => tokens.length,
    take() {
      if (!signed) return null;
      // Never use a token older than 45 s: the server refuses them after 60 s.
      while (tokens.length && Date.now() - tokens[0].at > 45_000) tokens.shift();
      const token = tokens.shift();
      if (token) return token.header;
      signedLate++;
      return sign();
    },
    signedLate: () => signedLate,
  };
}

/** Sends one request; resolves to { status, ms, body? } measured from just before the write to the response's end. */
function send(agent, s) {
  const header = s.take();
  return new Promise((resolve) => {
    const headers = header ? { authorization: header } : {};
    if (s.bytes.length) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(s.bytes.length);
    }
    const t0 = now();
    const req = request(
      { agent, host: target.hostname, port: target.port, path: s.path, method: s.method, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = now() - t0;
          const ok = res.statusCode >= 200 && res.statusCode < 300;
          if (trace)
            trace.push(`${(performance.timeOrigin + t0).toFixed(3)} ${ms.toFixed(3)} ${res.statusCode}`);
          resolve({ status: res.statusCode, ms, body: ok ? undefined : Buffer.concat(chunks).toString() });
        });
      },
    );
    req.on('error', (error) => resolve({ status: 0, ms: now() - t0, body: String(error) }));
    req.end(s.bytes.length ? s.bytes : undefined);
  });
}

function quantile(sorted, q) {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** CPU seconds (user + system) this process used since `since` (a process.cpuUsage() value). */
const cpuSecondsSince = (since) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1e6;
};

function summary(latencies, results, seconds, extra) {
  const sorted = Float64Array.from(latencies).sort();
  const errors = results.filter((r) => r.status < 200 || r.status >= 300);
  const byStatus = {};
  for (const e of errors) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
  return {
    type: 'result',
    requests: results.length,
    seconds,
    rate: (extra.answered ?? results.length) / seconds,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    errors: errors.length,
    errorStatuses: byStatus,
    firstError: errors[0]?.body?.slice(0, 300),
    ...extra,
  };
}

/** Fixed rate, open loop: request i is sent at start + i/rate whether or not earlier ones have answered. */
async function openLoop({ route, rate, seconds, drainSeconds = 5 }) {
  const s = await shape(route);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(rate * seconds);
  s.fill(total); // all of them, before the clock starts
  const latencies = [];
  const pending = [];
  const done = [];
  const lags = [];
  const cpu = process.cpuUsage();
  const start = now();
  let sent = 0;
  while (sent < total) {
    const t = now();
    while (sent < total && start + (sent * 1000) / rate <= t) {
      lags.push(t - (start + (sent * 1000) / rate));
      pending.push(
        send(agent, s).then((r) => {
          latencies.push(r.ms);
          done.push(r);
        }),
      );
      sent++;
    }
    const next = start + (sent * 1000) / rate;
    await sleep(Math.max(0, next - now()));
  }
  // An overloaded server would keep us waiting for minutes: what has not answered within
  // drainSeconds of the last send counts as an error (status 0, "unfinished").
  await Promise.race([Promise.all(pending), sleep(drainSeconds * 1000)]);
  const seconds_ = (now() - start) / 1000;
  const clientCpuSeconds = cpuSecondsSince(cpu);
  const results = [...done];
  for (let i = done.length; i < total; i++) results.push({ status: 0, ms: Number.NaN, body: 'unfinished' });
  agent.destroy();
  lags.sort((a, b) => a - b);
  return summary(latencies, results, seconds_, {
    answered: done.length,
    targetRate: rate,
    sendLagP99: quantile(lags, 0.99),
    sendLagMax: lags[lags.length - 1],
    signedLate: s.signedLate(),
    clientCpuSeconds,
  });
}

/** Closed loop: `connections` clients, each sending its next request when the previous one answered. */
async function closedLoop({ route, connections, seconds, presign }) {
  const s = await shape(route);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  s.fill(presign);
  const latencies = [];
  const results = [];
  const cpu = process.cpuUsage();
  const start = now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (now() < end) {
        const r = await send(agent, s);
        latencies.push(r.ms);
        results.push(r);
      }
    }),
  );
  const seconds_ = (now() - start) / 1000;
  const clientCpuSeconds = cpuSecondsSince(cpu);
  agent.destroy();
  return summary(latencies, results, seconds_, {
    connections,
    signedLate: s.signedLate(),
    clientCpuSeconds,
  });
}

process.on('message', async (message) => {
  try {
    if (message.type === 'open') process.send(await openLoop(message));
    else if (message.type === 'closed') process.send(await closedLoop(message));
    else if (message.type === 'stop') process.exit(0);
    flushTrace();
  } catch (error) {
    process.send({ type: 'error', message: String(error?.stack ?? error) });
  }
});
process.send({ type: 'ready' });
