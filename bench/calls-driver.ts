/**
 * The carrier side of the call storm (bench/calls.ts), in its own process (forked, IPC). It is
 * what the simulated carrier (apps/server/src/simulator/carrier.ts) is inside a server, moved
 * out so that one carrier serves several server processes and so that its work is timed apart:
 * - it runs the fake Twilio REST API (the server's own FakeTwilioApi, with the simulator account
 *   derived from SERVER_SECRET); the servers' 'simulator' adapter is pointed at it, so every leg
 *   the hotline places arrives here and is timestamped on arrival;
 * - it sends signed Twilio-format webhooks (the server's own twilioSignature, over PUBLIC_URL)
 *   as the simulated carrier does: the inbound call, the status callbacks each leg's create
 *   request asked for (StatusCallbackEvent, as Twilio honours it: "ringing", "in-progress" on
 *   pick-up, the end), the screening document when a volunteer picks up, the key press, the
 *   final status of the caller. With several servers each webhook goes to a
 *   random one.
 *
 * Per call: after a random delay (0.5–3 s from the inbound answer) 2–4 random ringing legs pick
 * up, fetch the screening prompt, and press 1 at the same moment; each answer is classified as
 * the connect document (<Dial><Queue>) or "Another volunteer took this call"; the winner talks
 * for a moment, then the caller hangs up.
 *
 * Messages: parent → { type: 'storm', ... } → { type: 'result', ... }; { type: 'stop' }.
 */
import { writeFileSync } from 'node:fs';
import { Agent, request, type Server } from 'node:http';
import { parseTwiml } from '../apps/server/src/simulator/twiml.js';
import { simulatorAccount } from '../apps/server/src/telephony/simulator/credentials.js';
import { FakeTwilioApi } from '../apps/server/src/telephony/simulator/fake-twilio-api.js';
import { type CallChange, reportsStatus } from '../apps/server/src/telephony/simulator/fake-twilio-state.js';
import { twilioSignature } from '../apps/server/src/telephony/twilio/signature.js';

export interface StormOptions {
  origins: string[];
  publicUrl: string;
  hotline: string;
  seconds: number;
  rate: number;
  answerDelayMs: [number, number];
  pressers: [number, number];
  talkMs: [number, number];
  /** How long after the last inbound webhook the calls may take to finish. */
  drainMs: number;
  /** The fake REST API answers every request this much later (a provider slowing down); 0: at once. */
  apiDelayMs?: number;
  /**
   * A webhook that fails (no connection, or a 5xx) is sent again after 1 s, to a server that is
   * still up, at most this many times (0: never). Twilio does this when the webhook URL carries
   * connection overrides (`#rc=5&rp=all`); a load balancer does it for a server that went away.
   * The hotline's webhooks are idempotent (receipts, guarded updates), so a retry is safe.
   */
  retries?: number;
}

export interface KindStats {
  count: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

export interface StormResult {
  type: 'result';
  /** Inbound calls sent, and (calls) those whose inbound webhook was answered. */
  sent: number;
  calls: number;
  sendLagP99: number;
  seconds: number;
  kinds: Record<string, KindStats>;
  all: KindStats;
  errorStatuses: Record<string, number>;
  firstErrors: string[];
  legs: number;
  legsPerCall: { p50: number; min: number; max: number };
  lastLeg: { p50: number; p99: number; max: number; samples: number };
  firstLeg: { p50: number; p99: number; max: number; samples: number };
  oneWinner: number;
  zeroWinners: number;
  manyWinners: number;
  pressed: number;
  taken: number;
  otherAnswers: number;
  noLegs: number;
  notEnded: number;
  inboundRefused: number;
  legsLeftLive: number;
  /**
   * One phone ringing for two calls at once, as the carrier saw it: pairs of legs to the same
   * number, for different calls, up at the same time (from the leg's creation at the REST API
   * to its end at the carrier), and the longest such overlap.
   */
  doubleRings: { pairs: number; maxMs: number; over100Ms: number };
  /** Calls with any of: no leg, no winner, refused, flow unfinished, a leg left ringing. */
  lostCalls: number;
  redirects: number;
  restRequests: number;
  /** Webhooks sent again after a reused keep-alive connection was reset. */
  staleRetries: number;
  /** Webhooks sent again after a failure (StormOptions.retries); those that failed even so are errors. */
  faultRetries: number;
  /** Calls whose inbound webhook was answered with a call id: the hotline acknowledged them. */
  acknowledged: number;
  cpuSeconds: number;
}

const account = simulatorAccount(Buffer.from(process.env.BENCH_SERVER_SECRET ?? '', 'hex'));
const fake = await FakeTwilioApi.start(account);
// A carrier's API keeps idle connections longer than Node's 5 s default; with the default, a
// server whose event loop lags can pick a connection the fake API is just closing.
(fake as unknown as { loopback: { server: Server } }).loopback.server.keepAliveTimeout = 65_000;
/**
 * The servers still up, when the parent says so mid-storm ({ type: 'origins' }: it killed one);
 * null: the storm's own list.
 */
let liveOrigins: string[] | null = null;
const now = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = ([lo, hi]: [number, number]) => lo + Math.random() * (hi - lo);
const intBetween = ([lo, hi]: [number, number]) => lo + Math.floor(Math.random() * (hi - lo + 1));
const FINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
const sortedOf = (values: number[]) => Float64Array.from(values).sort();

interface Phone {
  sid: string;
  from: string;
  to: string;
  role: 'caller' | 'leg';
  status: string;
  statusUrl: string | null;
  url: string;
  bridgedTo: Phone | null;
  /** Leg: the hotline's call id (from its answer URL); caller: from the inbound document. */
  callId: string | null;
  createdAt: number;
  /** When the carrier saw it end (hung up, cancelled, refused); null while it is up. */
  endedAt: number | null;
}

interface Call {
  caller: Phone;
  respondedAt: number;
  winners: number;
  finished: boolean;
}

async function storm(o: StormOptions): Promise<StormResult> {
  const cpuStart = process.cpuUsage();
  const agents = new Map(
    o.origins.map((origin) => [origin, new Agent({ keepAlive: true, maxSockets: 512 })]),
  );
  const latencies = new Map<string, number[]>();
  // BENCH_CALLS_TRACE=<file>: every webhook as [sent at (ms from the storm's start), kind, ms, server].
  const trace: [number, string, number, number][] = [];
  const traceStart = now();
  const kindErrors = new Map<string, number>();
  const errorStatuses: Record<string, number> = {};
  const firstErrors: string[] = [];
  const phones = new Map<string, Phone>();
  const legsByCall = new Map<string, Phone[]>();
  const calls: Call[] = [];
  let creatingInbound = false;
  let pressed = 0;
  let taken = 0;
  let otherAnswers = 0;
  let noLegs = 0;
  let inboundRefused = 0;
  const redirected = new Set<string>();
  let restRequests = 0;
  let staleRetries = 0;
  let faultRetries = 0;
  liveOrigins = null;
  if (o.apiDelayMs) fake.delayNext({ ms: o.apiDelayMs, times: Number.POSITIVE_INFINITY });

  /** A signed form POST to `url` (a PUBLIC_URL address) on a random server; the body if 2xx, else null. */
  function post(
    kind: string,
    phone: Phone,
    url: string,
    extra: Record<string, string>,
    attempt = 0,
  ): Promise<string | null> {
    const params: Record<string, string> = {
      ApiVersion: '2010-04-01',
      AccountSid: account.accountSid,
      CallSid: phone.sid,
      From: phone.from,
      To: phone.to,
      Direction: phone.role === 'caller' ? 'inbound' : 'outbound-api',
      CallStatus: phone.status,
      ...extra,
    };
    const signature = twilioSignature(account.authToken, url, Object.entries(params));
    const body = Buffer.from(new URLSearchParams(params).toString());
    const origins = liveOrigins ?? o.origins;
    const origin = origins[Math.floor(Math.random() * origins.length)]!;
    const target = new URL(origin);
    const path = url.slice(o.publicUrl.length);
    return new Promise((resolve) => {
      const t0 = now();
      const fail = (status: string, text: string) => {
        if (attempt < (o.retries ?? 0) && (status === 'network' || status.startsWith('5'))) {
          faultRetries++;
          resolve(sleep(1000).then(() => post(kind, phone, url, extra, attempt + 1)));
          return;
        }
        kindErrors.set(kind, (kindErrors.get(kind) ?? 0) + 1);
        errorStatuses[status] = (errorStatuses[status] ?? 0) + 1;
        if (firstErrors.length < 5) firstErrors.push(`${kind} ${status}: ${text.slice(0, 200)}`);
        resolve(null);
      };
      const req = request(
        {
          agent: agents.get(origin),
          host: target.hostname,
          port: target.port,
          path,
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': String(body.length),
            'x-twilio-signature': signature,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = now() - t0;
            const list = latencies.get(kind) ?? [];
            latencies.set(kind, list);
            list.push(ms);
            if (process.env.BENCH_CALLS_TRACE)
              trace.push([
                Math.round(t0 - traceStart),
                kind,
                Math.round(ms * 10) / 10,
                o.origins.indexOf(origin),
              ]);
            const text = Buffer.concat(chunks).toString();
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) fail(String(status), text);
            else resolve(text);
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        // A keep-alive connection the server closed as we reused it: the request never
        // reached it; send it again on a fresh one (Node's documented pattern).
        if (req.reusedSocket && error.code === 'ECONNRESET' && attempt === 0) {
          staleRetries++;
          resolve(post(kind, phone, url, extra, 1));
        } else fail('network', String(error));
      });
      req.end(body);
    });
  }

  const ended = (p: Phone) => FINAL.has(p.status);
  const setStatus = (p: Phone, status: string) => {
    p.status = status;
    fake.state.setCallStatus(p.sid, status as never);
  };
  const statusKind = (p: Phone) => (p.role === 'caller' ? 'status' : 'leg-status');
  /** Whether the phone's create request asked for a callback about its current status (Twilio's StatusCallbackEvent). */
  const asked = (p: Phone) => {
    const call = fake.state.calls.get(p.sid);
    return call !== undefined && reportsStatus(call, p.status as never);
  };

  /** A phone ends (hangs up, is cancelled): its status callback, then the phone bridged to it. */
  async function end(p: Phone, status: string, alreadyInState = false): Promise<void> {
    if (ended(p)) return;
    if (alreadyInState) p.status = status;
    else setStatus(p, status);
    p.endedAt = now();
    const other = p.bridgedTo;
    p.bridgedTo = null;
    if (p.statusUrl && asked(p)) await post(statusKind(p), p, p.statusUrl, {});
    if (other && !ended(other)) await end(other, 'completed');
  }

  const stopListening = fake.onCallChange((change: CallChange) => {
    const call = change.call;
    if (change.type === 'created') {
      if (creatingInbound) return;
      const query = new URL(call.url).searchParams;
      const leg: Phone = {
        sid: call.sid,
        from: call.from,
        to: call.to,
        role: 'leg',
        status: 'queued',
        statusUrl: call.statusCallback,
        url: call.url,
        bridgedTo: null,
        callId: query.get('call'),
        createdAt: now(),
        endedAt: null,
      };
      phones.set(leg.sid, leg);
      const list = legsByCall.get(leg.callId ?? '') ?? [];
      legsByCall.set(leg.callId ?? '', list);
      list.push(leg);
      // As the simulator: the REST answer reaches the hotline first, then the phone rings.
      void Promise.resolve().then(async () => {
        if (ended(leg)) return;
        setStatus(leg, 'ringing');
        if (leg.statusUrl && asked(leg)) await post('leg-status', leg, leg.statusUrl, {});
      });
      return;
    }
    const phone = phones.get(call.sid);
    if (!phone) return;
    if (FINAL.has(call.status) && call.status !== phone.status && !ended(phone)) {
      // The hotline ended this phone over the REST API (a cancelled leg, a hung-up caller).
      void end(phone, call.status, true);
      return;
    }
    if (call.redirects.length) redirected.add(call.sid);
  });
  const trimRequests = setInterval(() => {
    restRequests += fake.requests.length;
    fake.requests.length = 0;
  }, 1000);

  /** A volunteer picks up and hears the screening prompt; resolves to the gather's action, or null. */
  async function pickUp(leg: Phone): Promise<string | null> {
    if (ended(leg)) return null;
    setStatus(leg, 'in-progress');
    if (leg.statusUrl && asked(leg)) await post('leg-status', leg, leg.statusUrl, {});
    const xml = await post('screen', leg, leg.url, {});
    if (ended(leg)) return null;
    const gather = xml === null ? undefined : parseTwiml(xml).find((v) => v.name === 'Gather');
    if (!gather?.attributes.action) {
      await end(leg, 'completed'); // "taken", "over", or an error: the phone hangs up
      return null;
    }
    return gather.attributes.action;
  }

  async function answerAndHangUp(call: Call): Promise<void> {
    const callId = call.caller.callId!;
    // A caller holds in the queue until a volunteer rings (or the hotline ends the call): with
    // more calls than volunteers free, the first leg comes when one is freed.
    const waitUntil = now() + o.drainMs;
    let live: Phone[] = [];
    for (;;) {
      live = (legsByCall.get(callId) ?? []).filter((l) => l.status === 'ringing');
      if (live.length || now() > waitUntil || ended(call.caller)) break;
      await sleep(50);
    }
    if (!live.length) {
      noLegs++;
    } else {
      const chosen = live
        .map((leg) => ({ leg, r: Math.random() }))
        .sort((a, b) => a.r - b.r)
        .slice(0, intBetween(o.pressers))
        .map((x) => x.leg);
      const actions = await Promise.all(chosen.map(pickUp));
      const ready = chosen.map((leg, i) => ({ leg, action: actions[i] })).filter((x) => x.action);
      // Everyone who heard the prompt presses 1 at the same moment.
      const answers = await Promise.all(
        ready.map(({ leg, action }) => post('answer', leg, action!, { Digits: '1' })),
      );
      pressed += ready.length;
      let winner: Phone | null = null;
      await Promise.all(
        answers.map(async (xml, i) => {
          const leg = ready[i]!.leg;
          if (xml?.includes('<Queue>')) {
            call.winners++;
            winner = leg;
            return;
          }
          if (xml?.includes('Another volunteer took this call')) taken++;
          else otherAnswers++;
          await end(leg, 'completed');
        }),
      );
      if (winner && call.winners === 1 && !ended(call.caller)) {
        const w = winner as Phone;
        w.bridgedTo = call.caller;
        call.caller.bridgedTo = w;
        await sleep(between(o.talkMs));
      }
    }
    await end(call.caller, 'completed');
    call.finished = true;
  }

  async function placeCall(n: number): Promise<void> {
    const from = `+1555${String(2_000_000 + n).padStart(7, '0')}`;
    creatingInbound = true;
    let created: ReturnType<typeof fake.state.createCall>;
    try {
      created = fake.state.createCall({
        to: o.hotline,
        from,
        url: `${o.publicUrl}/api/telephony/simulator/inbound`,
        statusCallback: `${o.publicUrl}/api/telephony/simulator/status`,
        statusCallbackEvents: ['completed'],
        timeoutSeconds: 60,
      });
    } finally {
      creatingInbound = false;
    }
    const caller: Phone = {
      sid: created.sid,
      from,
      to: o.hotline,
      role: 'caller',
      status: 'in-progress',
      statusUrl: created.statusCallback,
      url: created.url,
      bridgedTo: null,
      callId: null,
      createdAt: now(),
      endedAt: null,
    };
    phones.set(caller.sid, caller);
    fake.state.setCallStatus(caller.sid, 'in-progress');
    const xml = await post('inbound', { ...caller, status: 'ringing' }, caller.url, {});
    const call: Call = { caller, respondedAt: now(), winners: 0, finished: false };
    calls.push(call);
    caller.callId = /[?&]call=([0-9a-f-]{36})/.exec(xml ?? '')?.[1] ?? null;
    if (!caller.callId || !xml?.includes('<Enqueue')) {
      inboundRefused++;
      await end(caller, 'completed');
      call.finished = true;
      return;
    }
    await sleep(between(o.answerDelayMs));
    await answerAndHangUp(call);
  }

  // Open loop: one inbound call every 1000/rate ms whatever the answers do.
  const total = Math.round(o.seconds * o.rate);
  const interval = 1000 / o.rate;
  const flows: Promise<void>[] = [];
  const lags: number[] = [];
  const start = now();
  for (let n = 0; n < total; n++) {
    const due = start + n * interval;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    lags.push(Math.max(0, now() - due));
    flows.push(placeCall(n));
  }
  const sentFor = (now() - start) / 1000;
  await Promise.race([Promise.allSettled(flows), sleep(o.drainMs)]);
  // Late cancellations and their status callbacks.
  await sleep(2000);
  stopListening();
  clearInterval(trimRequests);
  fake.clearFaults();
  restRequests += fake.requests.length;
  fake.requests.length = 0;

  const stats = (values: number[], errors: number): KindStats => {
    const s = sortedOf(values);
    return {
      count: values.length,
      p50: quantile(s, 0.5),
      p99: quantile(s, 0.99),
      max: s[s.length - 1] ?? 0,
      errors,
    };
  };
  if (process.env.BENCH_CALLS_TRACE) writeFileSync(process.env.BENCH_CALLS_TRACE, JSON.stringify(trace));
  const kinds: Record<string, KindStats> = {};
  for (const [kind, values] of latencies) kinds[kind] = stats(values, kindErrors.get(kind) ?? 0);
  const allErrors = [...kindErrors.values()].reduce((a, b) => a + b, 0);
  const all = stats([...latencies.values()].flat(), allErrors);

  const lastLeg: number[] = [];
  const firstLeg: number[] = [];
  const legCounts: number[] = [];
  for (const call of calls) {
    const legs = call.caller.callId ? (legsByCall.get(call.caller.callId) ?? []) : [];
    legCounts.push(legs.length);
    if (!legs.length) continue;
    const times = legs.map((l) => l.createdAt - call.respondedAt);
    lastLeg.push(Math.max(...times));
    firstLeg.push(Math.min(...times));
  }
  const last = sortedOf(lastLeg);
  const first = sortedOf(firstLeg);
  const counts = sortedOf(legCounts);
  const legPhones = [...phones.values()].filter((p) => p.role === 'leg');
  const doubleRings = overlapsPerNumber(legPhones, now());
  for (const agent of agents.values()) agent.destroy();
  const cpu = process.cpuUsage(cpuStart);
  return {
    type: 'result',
    sent: total,
    calls: calls.length,
    sendLagP99: quantile(sortedOf(lags), 0.99),
    seconds: sentFor,
    kinds,
    all,
    errorStatuses,
    firstErrors,
    legs: legPhones.length,
    legsPerCall: { p50: quantile(counts, 0.5), min: counts[0] ?? 0, max: counts[counts.length - 1] ?? 0 },
    lastLeg: {
      p50: quantile(last, 0.5),
      p99: quantile(last, 0.99),
      max: last[last.length - 1] ?? 0,
      samples: last.length,
    },
    firstLeg: {
      p50: quantile(first, 0.5),
      p99: quantile(first, 0.99),
      max: first[first.length - 1] ?? 0,
      samples: first.length,
    },
    oneWinner: calls.filter((c) => c.winners === 1).length,
    zeroWinners: calls.filter((c) => c.winners === 0).length,
    manyWinners: calls.filter((c) => c.winners > 1).length,
    pressed,
    taken,
    otherAnswers,
    noLegs,
    notEnded: calls.filter((c) => !c.finished).length + (total - calls.length),
    inboundRefused,
    legsLeftLive: legPhones.filter((p) => !ended(p)).length,
    doubleRings,
    lostCalls:
      calls.filter(
        (c) =>
          !c.finished ||
          c.winners !== 1 ||
          !c.caller.callId ||
          (legsByCall.get(c.caller.callId) ?? []).some((l) => !ended(l)),
      ).length +
      (total - calls.length),
    redirects: redirected.size,
    restRequests,
    staleRetries,
    faultRetries,
    acknowledged: calls.filter((c) => c.caller.callId).length,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/** Pairs of legs to one number for different calls that were up at the same time. */
function overlapsPerNumber(legs: Phone[], end: number): StormResult['doubleRings'] {
  const byNumber = new Map<string, Phone[]>();
  for (const leg of legs) byNumber.set(leg.to, [...(byNumber.get(leg.to) ?? []), leg]);
  let pairs = 0;
  let maxMs = 0;
  let over100Ms = 0;
  for (const list of byNumber.values()) {
    list.sort((a, b) => a.createdAt - b.createdAt);
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        if (b.createdAt >= (a.endedAt ?? end)) continue;
        if (a.callId === b.callId) continue;
        const overlap = Math.min(a.endedAt ?? end, b.endedAt ?? end) - b.createdAt;
        pairs++;
        maxMs = Math.max(maxMs, overlap);
        if (overlap > 100) over100Ms++;
      }
  }
  return { pairs, maxMs, over100Ms };
}

process.on('message', (m: { type: string; origins?: string[] } & StormOptions) => {
  if (m.type === 'origins') liveOrigins = m.origins ?? null;
  else if (m.type === 'storm')
    storm(m).then(
      (result) => process.send!(result),
      (error: unknown) => process.send!({ type: 'error', message: String((error as Error)?.stack ?? error) }),
    );
  else if (m.type === 'stop') void fake.close().then(() => process.exit(0));
});
process.send!({ type: 'ready', apiBaseUrl: fake.baseUrl });
