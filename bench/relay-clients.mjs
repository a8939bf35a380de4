// Load clients for the relay benchmark, in a worker thread: N independent nostr-tools relay
// connections (AbstractRelay, the ws package as WebSocket), each authenticating with NIP-42 as
// its own member key and subscribing to hub events. Not our client code, on purpose.
import { parentPort, workerData } from 'node:worker_threads';
import { AbstractRelay } from 'nostr-tools/abstract-relay';
import { finalizeEvent, setNostrWasm, verifyEvent } from 'nostr-tools/wasm';
import { initNostrWasm } from 'nostr-wasm';
import WebSocket from 'ws';

setNostrWasm(await initNostrWasm());
const { url, keys } = workerData;
const now = () => performance.timeOrigin + performance.now();

// All clients share this process, so an event's signature is verified once (WASM) and the
// verdict reused by the other 199 clients; every distinct event is still checked.
const verdicts = new Map();
function verify(event) {
  let ok = verdicts.get(event.id);
  if (ok === undefined) {
    ok = verifyEvent({ ...event });
    verdicts.set(event.id, ok);
    if (verdicts.size > 10_000) verdicts.delete(verdicts.keys().next().value);
  }
  return ok;
}

// Latency histogram in 0.1 ms buckets up to 10 s: constant memory however long the run.
const BUCKETS = 100_000;
const histogram = new Uint32Array(BUCKETS + 1);
const sentAt = new Map(); // event id → publish time
const early = new Map(); // event id → arrival times seen before its publish time arrived
let deliveries = 0;
let invalid = 0;
let firstAt = 0;
let lastAt = 0;

function record(latencyMs) {
  histogram[Math.min(BUCKETS, Math.max(0, Math.round(latencyMs * 10)))]++;
}

function arrived(id) {
  const t = now();
  deliveries++;
  if (!firstAt) firstAt = t;
  lastAt = t;
  const t0 = sentAt.get(id);
  if (t0 !== undefined) record(t - t0);
  else {
    const list = early.get(id) ?? [];
    list.push(t);
    early.set(id, list);
  }
}

parentPort.on('message', (message) => {
  if (message.type === 'sent') {
    sentAt.set(message.id, message.t0);
    if (sentAt.size > 20_000) sentAt.delete(sentAt.keys().next().value);
    const list = early.get(message.id);
    if (list) {
      for (const t of list) record(t - message.t0);
      early.delete(message.id);
    }
  } else if (message.type === 'report') {
    const total = histogram.reduce((n, c) => n + c, 0);
    const quantile = (q) => {
      let seen = 0;
      for (let i = 0; i <= BUCKETS; i++) {
        seen += histogram[i];
        if (seen >= q * total) return i / 10;
      }
      return BUCKETS / 10;
    };
    parentPort.postMessage({
      type: 'report',
      deliveries,
      invalid,
      measured: total,
      firstAt,
      lastAt,
      p50: quantile(0.5),
      p99: quantile(0.99),
      max: quantile(1),
    });
  } else if (message.type === 'stop') {
    for (const relay of relays) relay.close();
    parentPort.close();
  }
});

const relays = [];
async function connectOne(secretKey) {
  const relay = new AbstractRelay(url, { verifyEvent: verify, websocketImplementation: WebSocket });
  await relay.connect();
  const sign = async (template) => finalizeEvent(template, secretKey);
  // The challenge arrives just after the socket opens.
  for (;;) {
    try {
      await relay.auth(sign);
      break;
    } catch (error) {
      if (!String(error.message).includes('no challenge')) throw error;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  await new Promise((resolve) => {
    relay.subscribe([{ kinds: [20001], '#t': ['llamenos:event'] }], {
      onevent: (event) => arrived(event.id),
      oninvalidevent: () => invalid++,
      oneose: resolve,
    });
  });
  relays.push(relay);
}

const secretKeys = keys.map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')));
for (let i = 0; i < secretKeys.length; i += 20)
  await Promise.all(secretKeys.slice(i, i + 20).map(connectOne));
parentPort.postMessage({ type: 'ready', clients: relays.length });
