/**
 * History re-wrap in Chromium (issue 10, lesson 15): a conversation of BENCH_REWRAP_MESSAGES
 * (1,000) inbound texts changes hands, and the admin's browser — the inbox open, nothing
 * clicked — wraps every message key for the new assignee. Measured from the transfer's answer
 * to the last `POST …/wraps` answer with `remaining: 0`, in the page (hub event, the re-wrap
 * request, unwrap and wrap in the conversations workers, the posts); the client's own part
 * (from its GET …/rewrap-requests) is reported beside it. Real server and app (run `npx tsc -b`
 * and `npm run build --workspace apps/web` first), Debian's Chromium.
 *
 * Setup: the first admin bootstrapped over the API with a key made here and restored onto the
 * browser from a backup (as the web suite does); the texts sent through the simulated carrier
 * (signed Twilio webhooks, sealed on arrival for the admin); BENCH_REWRAP_RUNS (3) volunteers
 * invited and redeemed over the API, the conversation transferred to each in turn, so each run
 * re-wraps the whole history for a key that holds none of it. Afterwards the new assignee's own
 * view is checked: every message carries a wrap for their key.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuthHeader, generateSecretKey, getPublicKey } from '@llamenos/crypto';
import { chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions, chromiumPath } from '../e2e/chromium.js';
import { startHotline } from '../e2e/fixtures.js';
import type { Row, Suite } from './types.js';
import { backupFile, bootstrapOverApi, NAME, PIN } from './web.js';

const MESSAGES = Number(process.env.BENCH_REWRAP_MESSAGES ?? 1000);
const RUNS = Number(process.env.BENCH_REWRAP_RUNS ?? 3);
const GOAL_MS = 5000;
const CONTACT = '+15550177001';

const root = fileURLToPath(new URL('..', import.meta.url));
/** A NIP-98-signed JSON request from Node. */
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

async function sendTexts(base: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < MESSAGES) {
      const i = next++;
      const response = await fetch(`${base}/api/simulator/texts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'sms', from: CONTACT, body: `bench message ${i} ${'x'.repeat(80)}` }),
      });
      if (response.status !== 201) throw new Error(`text ${i}: ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

interface Detail {
  messages: { direction: string; envelope: { wraps: { reader: string }[] } }[];
}

/** Resolves with the page-side times of the next complete re-wrap. */
function watchRewrap(page: Page): Promise<{ started: number; done: number; posts: number }> {
  return new Promise((resolve, reject) => {
    let started = 0;
    let posts = 0;
    const timer = setTimeout(() => reject(new Error('no complete re-wrap within 120 s')), 120_000);
    const onRequest = (request: { url: () => string }) => {
      if (!started && request.url().includes('/rewrap-requests')) started = performance.now();
    };
    const onResponse = async (response: {
      url: () => string;
      request: () => { method: () => string };
      json: () => Promise<unknown>;
    }) => {
      if (!response.url().endsWith('/wraps') || response.request().method() !== 'POST') return;
      posts++;
      const answer = (await response.json()) as { remaining: number };
      if (answer.remaining !== 0) return;
      const done = performance.now();
      clearTimeout(timer);
      page.off('request', onRequest);
      page.off('response', onResponse);
      resolve({ started, done, posts });
    };
    page.on('request', onRequest);
    page.on('response', onResponse);
  });
}

export const messagingWebSuite: Suite = {
  name: 'messaging-web: history re-wrap in Chromium',
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
    const dir = await mkdtemp(path.join(tmpdir(), 'llamenos-bench-rewrap-'));
    const browser = await chromium.launch(chromiumLaunchOptions());
    try {
      const admin = await bootstrapOverApi(base, hotline.bootstrapLink);
      // One contact sends them all: lift the per-contact hourly limit for the run.
      const doc = (await signed(base, admin, 'GET', '/api/settings')) as {
        version: unknown;
        settings: { messaging: Record<string, unknown> };
      };
      await signed(base, admin, 'PATCH', '/api/settings/messaging', {
        value: { ...doc.settings.messaging, messagesPerContactPerHour: 10_000 },
        version: doc.version,
      });
      await fetch(`${base}/api/simulator/texts`); // the simulated channels are set up on first use
      const ingestStart = performance.now();
      await sendTexts(base);
      const ingestMs = performance.now() - ingestStart;
      const list = (await signed(base, admin, 'GET', '/api/conversations?scope=all')) as {
        conversations: { id: string }[];
      };
      const conversationId = list.conversations[0]?.id;
      if (!conversationId || list.conversations.length !== 1) throw new Error('expected one conversation');
      const inbound = (
        (await signed(base, admin, 'GET', `/api/conversations/${conversationId}`)) as unknown as Detail
      ).messages.filter((m) => m.direction === 'in').length;
      if (inbound !== MESSAGES) throw new Error(`${inbound} inbound messages stored, not ${MESSAGES}`);

      // The admin's key onto the browser "device", then the inbox left open.
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/restore`);
      await page.locator('#backup-file').setInputFiles(await backupFile(admin, base, dir));
      await page.locator('input[type="radio"]').nth(1).check();
      await page.locator('#restore-pin').fill(PIN);
      await page.locator('main form button[type="submit"]').click();
      await page.getByRole('heading', { name: `Hello, ${NAME}` }).waitFor({ timeout: 60_000 });
      await page.goto(`${base}/conversations`);
      await page.locator('#unlock-pin').fill(PIN);
      await page.locator('main form button[type="submit"]').click();
      await page.getByRole('heading', { name: 'Messages', level: 1 }).waitFor({ timeout: 60_000 });
      await page.locator('[data-testid="live-status"][data-status="connected"]').waitFor({ timeout: 30_000 });

      const total: number[] = [];
      const client: number[] = [];
      let posts = 0;
      for (let run = 0; run < RUNS; run++) {
        const volunteer = generateSecretKey();
        const invite = (await signed(base, admin, 'POST', '/api/invites', {
          displayName: `Bench Volunteer ${run + 1}`,
          roles: ['volunteer'],
        })) as { token: string };
        const user = (await signed(base, volunteer, 'POST', '/api/invites/redeem', {
          token: invite.token,
        })) as {
          id: string;
        };
        const watched = watchRewrap(page);
        await signed(base, admin, 'POST', `/api/conversations/${conversationId}/transfer`, { to: user.id });
        const transferred = performance.now();
        const times = await watched;
        total.push(times.done - transferred);
        client.push(times.done - times.started);
        posts = times.posts;
        const seen = (await signed(
          base,
          volunteer,
          'GET',
          `/api/conversations/${conversationId}`,
        )) as unknown as Detail;
        const own = getPublicKey(volunteer);
        const readable = seen.messages.filter((m) => m.envelope.wraps.some((w) => w.reader === own)).length;
        if (readable !== seen.messages.length || seen.messages.length < MESSAGES)
          throw new Error(`the new assignee can open ${readable} of ${seen.messages.length} messages`);
      }
      await context.close();

      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      const totalMs = median(total);
      const spread = (values: number[]) =>
        `min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)} ms`;
      return [
        {
          op: `re-wrap of a ${MESSAGES}-message history, transfer → all wrapped for the new assignee`,
          value: totalMs,
          unit: 'ms',
          samples: RUNS,
          note: `admin's browser, inbox open; hub event + GET rewrap-requests + ${MESSAGES} unwrap/wrap in workers (${Math.min(4, cpus().length)} cores max) + ${posts} POST …/wraps; ${spread(total)}`,
          goal: { target: `< ${GOAL_MS} ms`, measured: `${totalMs.toFixed(0)} ms`, pass: totalMs < GOAL_MS },
        },
        {
          op: 'the client part (GET rewrap-requests → last wraps answer)',
          value: median(client),
          unit: 'ms',
          samples: RUNS,
          note: `${(median(client) / MESSAGES).toFixed(2)} ms per record; ${spread(client)}`,
        },
        {
          op: `setup: ${MESSAGES} texts through the simulated carrier (4 at a time)`,
          value: MESSAGES / (ingestMs / 1000),
          unit: 'msg/s',
          note: 'signed Twilio webhooks, sealed on arrival; not a goal here (see the messaging suite)',
        },
      ];
    } finally {
      await browser.close();
      await hotline.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
