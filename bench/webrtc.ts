/**
 * Browser calling on the simulated carrier (issue 18): real audio between the simulator's caller
 * page and a volunteer's browser over WebRTC, with only the signalling through the server.
 * `npm run bench -- webrtc`. Real server and app (run `npx tsc -b` and
 * `npm run build --workspace apps/web` first), Debian's Chromium with fake media devices (a
 * generated tone as every microphone).
 *
 * 1. Answer click → two-way audio, BENCH_WEBRTC_RUNS (5) times: the admin, on shift in the real
 *    app, clicks Answer on the incoming card; measured until BOTH pages' WebRTC statistics show
 *    audio arriving (inbound audio packets and a non-zero level). Goal < 1 s on loopback.
 * 2. BENCH_WEBRTC_CALLS (20) simultaneous calls: one simulator page places them all (a microphone
 *    and an offer each); as many volunteers (invited over the API, keys made here) each answer
 *    one over the API and answer its offer from a plain page holding all their peer connections;
 *    reported: how many calls reached two-way audio, and the server's CPU with them all active,
 *    over the same window with no call (the simulator page's one-second state poll runs in both).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuthHeader, generateSecretKey } from '@llamenos/crypto';
import { type Browser, chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions, chromiumPath } from '../e2e/chromium.js';
import { startHotline } from '../e2e/fixtures.js';
import type { Row, Suite } from './types.js';
import { backupFile, bootstrapOverApi, NAME, PIN } from './web.js';

const RUNS = Number(process.env.BENCH_WEBRTC_RUNS ?? 5);
const CALLS = Number(process.env.BENCH_WEBRTC_CALLS ?? 20);
const CPU_WINDOW_MS = Number(process.env.BENCH_WEBRTC_CPU_WINDOW_MS ?? 10_000);
const GOAL_MS = 1000;
const CALLS_PER_CALLER_PAGE = 4;

const root = fileURLToPath(new URL('..', import.meta.url));
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The fake microphone: tone bursts of changing pitch (noise suppression fades a steady tone). */
function toneWav(dir: string, seconds: number): string {
  const rate = 48_000;
  const samples = seconds * rate;
  const data = Buffer.alloc(samples * 2);
  const pitches = [330, 440, 523, 392, 587, 494];
  for (let i = 0; i < samples; i++) {
    const burst = Math.floor(i / (rate * 0.25));
    const inBurst = (i % (rate * 0.25)) / (rate * 0.25);
    const envelope = inBurst < 0.8 ? Math.sin(Math.PI * (inBurst / 0.8)) : 0;
    const frequency = pitches[burst % pitches.length]!;
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * frequency * i) / rate) * envelope * 16_000), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  const file = path.join(dir, 'tone.wav');
  writeFileSync(file, Buffer.concat([header, data]));
  return file;
}

/** A signed JSON request from Node, as the web client signs it. */
async function signed(base: string, key: Uint8Array, method: string, route: string, body?: unknown) {
  const url = `${base}${route}`;
  const text = body === undefined ? '' : JSON.stringify(body);
  const response = await fetch(url, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      authorization: createAuthHeader({ url, method, body: text }, key),
    },
    body: body === undefined ? undefined : text,
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : ((await response.json()) as Record<string, unknown>);
}

/**
 * Redeems an invite from another loopback address (127.0.0.x): redemptions are limited per
 * client address (10 in 5 minutes), and the bench makes more volunteers than that.
 */
function redeemFrom(
  base: string,
  key: Uint8Array,
  token: string,
  localAddress: string,
): Promise<{ id: string }> {
  const url = `${base}/api/invites/redeem`;
  const body = JSON.stringify({ token });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: createAuthHeader({ url, method: 'POST', body }, key),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () =>
          res.statusCode === 201
            ? resolve(JSON.parse(text))
            : reject(new Error(`redeem: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The server process of this hotline (the fixture does not hand out its pid): found by its port. */
function serverPid(port: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('apps/server/dist/cli.js')) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`PORT=${port}`)) return Number(entry);
    } catch {
      // a process that ended meanwhile, or not ours to read
    }
  }
  throw new Error(`no server process listening on port ${port}`);
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function cpuPercentOver(pid: number, ms: number): Promise<number> {
  const before = cpuOf(pid);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  return ((cpuOf(pid) - before) / ((performance.now() - started) / 1000)) * 100;
}

/** Keeps every RTCPeerConnection a page makes where the bench can read its statistics. A string: runs in the page. */
const RECORD_PEER_CONNECTIONS = `(() => {
  document.addEventListener('click', () => { window.__lastClick = Date.now(); }, true);
  const Original = window.RTCPeerConnection;
  const made = [];
  window.__peerConnections = made;
  window.RTCPeerConnection = class extends Original {
    constructor(config) { super(config); made.push(this); }
  };
})();`;

/**
 * In the page: resolves with Date.now() once `count` open connections receive audio (packets and
 * a level above zero), polling their statistics every 10 ms; null after `timeoutMs`.
 */
const waitForAudio = (page: Page, count: number, timeoutMs: number): Promise<number | null> =>
  page.evaluate(
    async ({ count, timeoutMs }) => {
      const deadline = Date.now() + timeoutMs;
      const all = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
      while (Date.now() < deadline) {
        let hearing = 0;
        for (const pc of all) {
          if (pc.connectionState === 'closed') continue;
          let ok = false;
          (await pc.getStats()).forEach((r) => {
            if (r.type === 'inbound-rtp' && r.kind === 'audio' && r.packetsReceived > 0 && r.audioLevel > 0)
              ok = true;
          });
          if (ok) hearing++;
        }
        if (hearing >= count) return Date.now();
        await new Promise((r) => setTimeout(r, 10));
      }
      return null;
    },
    { count, timeoutMs },
  );

/** How many of the page's open connections receive audio now. */
const hearingNow = (page: Page): Promise<number> =>
  page.evaluate(async () => {
    const all = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
    let hearing = 0;
    for (const pc of all) {
      if (pc.connectionState === 'closed') continue;
      let ok = false;
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio' && r.packetsReceived > 0 && r.audioLevel > 0)
          ok = true;
      });
      if (ok) hearing++;
    }
    return hearing;
  });

/** The shift's start: two hours ago on the quarter hour (UTC), for 24 hours. */
function shiftCoveringNow(): { weekday: number; start: string } {
  const start = new Date(Date.now() - 2 * 3600_000);
  start.setUTCMinutes(Math.floor(start.getUTCMinutes() / 15) * 15, 0, 0);
  return {
    weekday: (start.getUTCDay() + 6) % 7,
    start: `${String(start.getUTCHours()).padStart(2, '0')}:${String(start.getUTCMinutes()).padStart(2, '0')}`,
  };
}

const callerNumber = (i: number) => `+1555020${String(1000 + i).slice(-4)}`;

/** Places a call from the simulator page (its microphone and offer), once its offer is posted. */
async function placeFromPage(caller: Page, number: string): Promise<void> {
  const posted = caller.waitForResponse((r) => r.url().endsWith('/webrtc/offer') && r.status() === 204, {
    timeout: 30_000,
  });
  await caller.locator('#from').fill(number);
  await caller.getByRole('button', { name: 'Call the hotline' }).click();
  await posted.catch(async (error: Error) => {
    const page = (await caller.locator('main').textContent())?.slice(0, 600);
    throw new Error(`${error.message}; the simulator page says: ${page}`);
  });
}

async function answerLatency(browser: Browser, base: string, dir: string, admin: Uint8Array) {
  const context = await browser.newContext();
  await context.addInitScript(RECORD_PEER_CONNECTIONS);
  const app = await context.newPage();
  await app.goto(`${base}/restore`);
  await app.locator('#backup-file').setInputFiles(await backupFile(admin, base, dir));
  await app.locator('input[type="radio"]').nth(1).check();
  await app.locator('#restore-pin').fill(PIN);
  await app.locator('main form button[type="submit"]').click();
  await app.getByRole('heading', { name: `Hello, ${NAME}` }).waitFor({ timeout: 60_000 });
  await app.locator('[data-testid="live-status"][data-status="connected"]').waitFor({ timeout: 30_000 });
  const caller = await context.newPage();
  await caller.goto(`${base}/api/simulator`);

  const times: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    await placeFromPage(caller, callerNumber(900 + run));
    const card = app.getByTestId('incoming-call');
    await card.waitFor({ timeout: 30_000 });
    const heardByApp = waitForAudio(app, 1, 15_000);
    const heardByCaller = waitForAudio(caller, 1, 15_000);
    const clicked = Date.now();
    await card.getByRole('button', { name: 'Answer' }).click();
    const [a, c] = await Promise.all([heardByApp, heardByCaller]);
    if (a === null || c === null) throw new Error(`run ${run}: no two-way audio within 15 s`);
    // From the click as the page received it: the automation's own checks before clicking
    // (the card visible, enabled and still) are not the member's time.
    const pressed = await app.evaluate(() => (window as unknown as { __lastClick: number }).__lastClick);
    if (process.env.BENCH_WEBRTC_TRACE)
      console.error(
        `run ${run}: click ${pressed - clicked} ms after asked; volunteer hears +${a - pressed} ms, caller +${c - pressed} ms`,
      );
    if (run > 0) times.push(Math.max(a, c) - pressed); // the first run warms the server and the page up
    await app.getByRole('button', { name: 'End call' }).click();
    await app.getByRole('heading', { name: 'The call has ended' }).waitFor();
    await app.getByRole('button', { name: 'Dismiss' }).click();
  }
  await context.close();
  return times;
}

async function simultaneousCalls(
  browser: Browser,
  base: string,
  admin: Uint8Array,
  volunteers: Uint8Array[],
) {
  const pid = serverPid(new URL(base).port);
  // Callers in several browser profiles: a page holds a long request per call waiting for its
  // answer, and a browser opens at most 6 connections to one server per profile.
  const contexts = await Promise.all(
    Array.from({ length: Math.ceil(volunteers.length / CALLS_PER_CALLER_PAGE) + 1 }, async () => {
      const context = await browser.newContext();
      await context.addInitScript(RECORD_PEER_CONNECTIONS);
      return context;
    }),
  );
  const desk = await contexts[0]!.newPage(); // the volunteers' side: their connections, no app
  await desk.goto(`${base}/api/health`);
  const callerPages: Page[] = [];
  for (const context of contexts.slice(1)) {
    const page = await context.newPage();
    await page.goto(`${base}/api/simulator`);
    callerPages.push(page);
  }
  const callersHearing = async () =>
    (await Promise.all(callerPages.map(hearingNow))).reduce((a, b) => a + b, 0);
  await new Promise((r) => setTimeout(r, 2000));
  const idleCpu = await cpuPercentOver(pid, CPU_WINDOW_MS);

  for (let i = 0; i < volunteers.length; i++)
    await placeFromPage(callerPages[Math.floor(i / CALLS_PER_CALLER_PAGE)]!, callerNumber(i));
  // The queue rings each volunteer for one call at a time and frees a call's other volunteers
  // when it is answered: every member on shift (the volunteers and the admin) keeps answering
  // what rings for them until they hold a call, as people at their screens would.
  const cpuBefore = cpuOf(pid);
  const signallingStarted = performance.now();
  const failures: string[] = [];
  const pairs: { callId: string; key: Uint8Array }[] = [];
  const deadline = Date.now() + 60_000;
  const takeOne = async (key: Uint8Array): Promise<string | null> => {
    while (Date.now() < deadline && pairs.length < volunteers.length) {
      const ringing = ((await signed(base, key, 'GET', '/api/calls/active')) as { ringing: { id: string }[] })
        .ringing;
      for (const { id } of ringing) {
        if (pairs.some((p) => p.callId === id)) continue;
        const url = `${base}/api/calls/${id}/answer`;
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: createAuthHeader({ url, method: 'POST', body: '' }, key) },
        });
        if (response.status === 200) {
          pairs.push({ callId: id, key });
          return id;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  };
  await Promise.all(
    [...volunteers, admin].map(async (key) => {
      const callId = await takeOne(key);
      if (!callId) return;
      try {
        const { offer, iceServers } = (await signed(
          base,
          key,
          'GET',
          `/api/calls/${callId}/webrtc/offer`,
        )) as {
          offer: string | null;
          iceServers: RTCIceServer[];
        };
        if (!offer) throw new Error('no offer');
        const sdp = await desk.evaluate(
          async ({ offer, iceServers }) => {
            const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
            const pc = new RTCPeerConnection({ iceServers });
            for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
            pc.addEventListener('track', (event) => {
              const player = new Audio();
              player.srcObject = event.streams[0] ?? new MediaStream([event.track]);
              void player.play().catch(() => {});
            });
            await pc.setRemoteDescription({ type: 'offer', sdp: offer });
            await pc.setLocalDescription(await pc.createAnswer());
            await new Promise<void>((resolve) => {
              if (pc.iceGatheringState === 'complete') return resolve();
              const timer = setTimeout(resolve, 3000);
              pc.addEventListener('icegatheringstatechange', () => {
                if (pc.iceGatheringState === 'complete') {
                  clearTimeout(timer);
                  resolve();
                }
              });
            });
            return pc.localDescription!.sdp;
          },
          { offer, iceServers },
        );
        await signed(base, key, 'POST', `/api/calls/${callId}/webrtc/answer`, { sdp });
      } catch (error) {
        failures.push(`call ${callId}: ${(error as Error).message.slice(0, 200)}`);
      }
    }),
  );
  const signallingCpu = cpuOf(pid) - cpuBefore;
  const signallingMs = performance.now() - signallingStarted;
  if (pairs.length < volunteers.length)
    failures.push(`${volunteers.length - pairs.length} calls never answered`);
  await Promise.all([
    waitForAudio(desk, pairs.length, 20_000),
    ...callerPages.map((page, i) =>
      waitForAudio(
        page,
        Math.min(CALLS_PER_CALLER_PAGE, volunteers.length - i * CALLS_PER_CALLER_PAGE),
        20_000,
      ),
    ),
  ]);
  const [volunteersHearing, callersHeard] = await Promise.all([hearingNow(desk), callersHearing()]);
  const activeCpu = await cpuPercentOver(pid, CPU_WINDOW_MS);
  // Still flowing after the window?
  const [volunteersAfter, callersAfter] = await Promise.all([hearingNow(desk), callersHearing()]);

  await Promise.all(
    pairs.map(({ callId, key }) =>
      signed(base, key, 'POST', `/api/calls/${callId}/hangup`).catch(() => null),
    ),
  );
  for (const context of contexts) await context.close();
  return {
    twoWay: Math.min(volunteersHearing, callersHeard),
    twoWayAfter: Math.min(volunteersAfter, callersAfter),
    idleCpu,
    activeCpu,
    signallingCpu,
    signallingMs,
    failures,
  };
}

export const webrtcSuite: Suite = {
  name: 'webrtc: browser calling on the simulated carrier',
  async run(): Promise<Row[]> {
    for (const [file, hint] of [
      ['apps/server/dist/cli.js', 'npx tsc -b'],
      ['apps/web/dist/index.html', 'npm run build --workspace apps/web'],
    ] as const)
      if (!existsSync(path.join(root, file))) throw new Error(`${file} is missing: run \`${hint}\` first`);
    if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}`);

    const previousCwd = process.cwd();
    process.chdir(root);
    const hotline = await startHotline();
    process.chdir(previousCwd);
    const base = hotline.url;
    const dir = await mkdtemp(path.join(tmpdir(), 'llamenos-bench-webrtc-'));
    const browser = await chromium.launch(
      chromiumLaunchOptions([
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${toneWav(dir, 3)}`,
      ]),
    );
    try {
      const admin = await bootstrapOverApi(base, hotline.bootstrapLink);
      const me = (await signed(base, admin, 'GET', '/api/me')) as { id: string };
      const volunteers = Array.from({ length: CALLS }, () => generateSecretKey());
      const ids: string[] = [];
      for (const [i, key] of volunteers.entries()) {
        const invite = (await signed(base, admin, 'POST', '/api/invites', {
          displayName: `Bench Volunteer ${i + 1}`,
          roles: ['volunteer'],
        })) as { token: string };
        ids.push((await redeemFrom(base, key, invite.token, `127.0.0.${2 + Math.floor(i / 8)}`)).id);
      }
      const { weekday, start } = shiftCoveringNow();
      await signed(base, admin, 'POST', '/api/shifts', {
        name: 'Bench line',
        weekday,
        start,
        durationMinutes: 24 * 60,
        userIds: [me.id, ...ids],
      });

      const latency = await answerLatency(browser, base, dir, admin);
      const load = await simultaneousCalls(browser, base, admin, volunteers);
      const latencyMs = median(latency);
      const perCall = (load.activeCpu - load.idleCpu) / CALLS;
      return [
        {
          op: 'answer click → two-way audio (both ends receive)',
          value: latencyMs,
          unit: 'ms',
          samples: latency.length,
          note: `real app (incoming card) and simulator page; WebRTC stats polled every 10 ms; min ${Math.min(...latency)}, max ${Math.max(...latency)} ms`,
          goal: {
            target: `< ${GOAL_MS} ms`,
            measured: `${latencyMs.toFixed(0)} ms`,
            pass: latencyMs < GOAL_MS,
          },
        },
        {
          op: `simultaneous browser calls with two-way audio (of ${CALLS})`,
          value: load.twoWay,
          unit: 'calls',
          note: `${load.twoWayAfter} still two-way after the ${CPU_WINDOW_MS / 1000} s CPU window${load.failures.length ? `; failures: ${load.failures.join('; ')}` : ''}`,
          goal: { target: `${CALLS} of ${CALLS}`, measured: `${load.twoWay}`, pass: load.twoWay === CALLS },
        },
        {
          op: 'server CPU per active browser call (media flowing)',
          value: perCall,
          unit: '% of a core',
          note: `${load.activeCpu.toFixed(2)} % with ${CALLS} calls vs ${load.idleCpu.toFixed(2)} % with none over ${CPU_WINDOW_MS / 1000} s; audio never passes through the server, so this is the simulator page's state poll growing with its phones`,
        },
        {
          op: 'server CPU per call, answering and signalling (all at once)',
          value: (load.signallingCpu * 1000) / CALLS,
          unit: 'ms CPU',
          note: `${CALLS} calls answered and signalled in ${load.signallingMs.toFixed(0)} ms: queue rounds, compare-and-set, leg cancels, hub events, offer and answer; includes the members' polls of GET /api/calls/active every 100 ms (the bench's stand-in for hub events)`,
        },
      ];
    } finally {
      await browser.close();
      await hotline.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
