/**
 * The web client in Chromium, against the real server serving the built app (apps/web/dist,
 * apps/server/dist: run `npx tsc -b` and `npm run build --workspace apps/web` first; nothing is
 * built here). Debian's Chromium at /usr/bin/chromium (or CHROMIUM_PATH); no browser download.
 *
 * Setup: a hotline with a copy of a fresh database (e2e/fixtures.ts startHotline), its first
 * admin bootstrapped over the API from Node with a new key (a NIP-98-signed POST /api/bootstrap,
 * the code from the bootstrap link the server prints), and that key put on the browser's device
 * through the UI once: a backup file made in Node, restored on /restore with the PIN.
 *
 * Then BENCH_WEB_RUNS (7) measured openings, each in a new browser context (empty cache, the
 * device's localStorage carried over), after one warm-up. Marks are taken inside the page
 * (performance.now(), whose zero is the start of navigation) by a MutationObserver installed
 * before any script runs:
 * - app shell interactive: navigation start → the PIN field is rendered and enabled;
 * - PIN unlock: the form's submit → the dashboard heading (PBKDF2 in the worker, GET /api/me,
 *   render);
 * - open → dashboard: navigation start → the dashboard heading, the PIN typed by automation as
 *   soon as the field appears;
 * - first-load JavaScript: every script response of the first page (up to the interactive PIN
 *   field), each gzipped here with node:zlib at the default level, summed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Browser, type BrowserContext, chromium } from '@playwright/test';
import { chromiumLaunchOptions, chromiumPath } from '../e2e/chromium.js';
import { startHotline } from '../e2e/fixtures.js';
import { bootstrapAdminByApi, writeKeyBackup } from '../e2e/seed-api.js';
import type { Row, Suite } from './types.js';

const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 7);
export const PIN = '482915';
export const NAME = 'Bench Admin';
const GOALS = { unlockMs: 800, interactiveMs: 1500, firstLoadKb: 250 };

const root = fileURLToPath(new URL('..', import.meta.url));
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const spread = (values: number[]) =>
  `min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)} ms`;

/**
 * Runs in the page before its scripts: marks when the PIN field and the dashboard appear, and
 * the submit. A string, not a function: tsx's helpers would not exist in the page.
 */
const INSTALL_MARKS = `(() => {
  const marks = {};
  window.__benchMarks = marks;
  const look = () => {
    const pin = document.querySelector('#unlock-pin');
    if (marks.shell === undefined && pin && !pin.disabled) marks.shell = performance.now();
    const h1 = document.querySelector('h1');
    if (marks.dashboard === undefined && h1 && h1.textContent.startsWith('Hello,')) marks.dashboard = performance.now();
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true, characterData: true });
  document.addEventListener('submit', () => { marks.submit = performance.now(); }, true);
})();`;

/** Bootstraps the first admin over the API with a key made here (as the e2e seeding does); returns the key. */
export async function bootstrapOverApi(publicUrl: string, bootstrapLink: string): Promise<Uint8Array> {
  const admin = await bootstrapAdminByApi({ url: publicUrl, bootstrapLink, output: () => '' }, NAME);
  return admin.secretKey;
}

/** A key backup file as the web client writes it, made in Node (e2e/seed-api.ts), moved into `dir`. */
export async function backupFile(key: Uint8Array, hotline: string, dir: string): Promise<string> {
  const { backupPath } = await writeKeyBackup(
    { url: hotline, bootstrapLink: '', output: () => '' },
    { id: '', name: NAME, secretKey: key },
    PIN,
  );
  const file = path.join(dir, 'llamenos-key-backup.json');
  await rename(backupPath, file);
  await rm(path.dirname(backupPath), { recursive: true, force: true });
  return file;
}

interface Opening {
  shell: number;
  unlock: number;
  dashboard: number;
  firstLoadGzip: number;
  firstLoadRaw: number;
  firstLoadFiles: number;
}

/** One opening of the app in a new context: cold cache, the device's stored key. */
async function openOnce(
  browser: Browser,
  url: string,
  storageState: Awaited<ReturnType<BrowserContext['storageState']>>,
) {
  const context = await browser.newContext({ storageState });
  await context.addInitScript(INSTALL_MARKS);
  const page = await context.newPage();
  const scripts: Promise<{ raw: number; gzip: number }>[] = [];
  let firstPage = true;
  page.on('response', (response) => {
    if (!firstPage || response.request().resourceType() !== 'script') return;
    scripts.push(response.body().then((body) => ({ raw: body.length, gzip: gzipSync(body).length })));
  });
  await page.goto(url);
  const pin = page.locator('#unlock-pin');
  await pin.waitFor({ state: 'visible' });
  firstPage = false;
  await pin.fill(PIN);
  await page.locator('main form button[type="submit"]').click();
  await page.getByRole('heading', { name: `Hello, ${NAME}` }).waitFor();
  const marks = await page.evaluate(
    () => (window as unknown as { __benchMarks: Record<string, number> }).__benchMarks,
  );
  const sizes = await Promise.all(scripts);
  await context.close();
  if (marks.shell === undefined || marks.submit === undefined || marks.dashboard === undefined)
    throw new Error(`missing marks: ${JSON.stringify(marks)}`);
  return {
    shell: marks.shell,
    unlock: marks.dashboard - marks.submit,
    dashboard: marks.dashboard,
    firstLoadGzip: sizes.reduce((sum, s) => sum + s.gzip, 0),
    firstLoadRaw: sizes.reduce((sum, s) => sum + s.raw, 0),
    firstLoadFiles: sizes.length,
  } satisfies Opening;
}

export const webSuite: Suite = {
  name: 'web client in Chromium',
  async run(): Promise<Row[]> {
    for (const [file, hint] of [
      ['apps/server/dist/cli.js', 'npx tsc -b'],
      ['apps/web/dist/index.html', 'npm run build --workspace apps/web'],
    ] as const)
      if (!existsSync(path.join(root, file))) throw new Error(`${file} is missing: run \`${hint}\` first`);
    if (!existsSync(chromiumPath))
      throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium)`);

    const previousCwd = process.cwd();
    process.chdir(root); // startHotline starts apps/server/dist/cli.js relative to the repository
    const hotline = await startHotline();
    process.chdir(previousCwd);
    const dir = await mkdtemp(path.join(tmpdir(), 'llamenos-bench-web-'));
    const browser = await chromium.launch(chromiumLaunchOptions());
    try {
      const key = await bootstrapOverApi(hotline.url, hotline.bootstrapLink);
      const file = await backupFile(key, hotline.url, dir);

      // Put the key on this browser "device" through the UI, once.
      const setup = await browser.newContext();
      const page = await setup.newPage();
      await page.goto(`${hotline.url}/restore`);
      await page.locator('#backup-file').setInputFiles(file);
      await page.locator('input[type="radio"]').nth(1).check(); // with my old PIN
      await page.locator('#restore-pin').fill(PIN);
      await page.locator('main form button[type="submit"]').click();
      await page.getByRole('heading', { name: `Hello, ${NAME}` }).waitFor({ timeout: 60_000 });
      const storageState = await setup.storageState();
      await setup.close();

      await openOnce(browser, hotline.url, storageState); // warm-up: server caches, JIT
      const runs: Opening[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await openOnce(browser, hotline.url, storageState));

      const shell = runs.map((r) => r.shell);
      const unlock = runs.map((r) => r.unlock);
      const dashboard = runs.map((r) => r.dashboard);
      const kb = (bytes: number) => bytes / 1000;
      const first = runs[0]!;
      const unlockMs = median(unlock);
      const dashboardMs = median(dashboard);
      const firstLoadKb = kb(first.firstLoadGzip);
      return [
        {
          op: 'app shell interactive (navigation → PIN field)',
          value: median(shell),
          unit: 'ms',
          samples: RUNS,
          note: `cold cache; ${spread(shell)}`,
        },
        {
          op: 'PIN unlock (submit → dashboard)',
          value: unlockMs,
          unit: 'ms',
          samples: RUNS,
          note: `PBKDF2-SHA256 600k in a worker + GET /api/me + render; ${spread(unlock)}`,
          goal: {
            target: `< ${GOALS.unlockMs} ms`,
            measured: `${unlockMs.toFixed(0)} ms`,
            pass: unlockMs < GOALS.unlockMs,
          },
        },
        {
          op: 'open → interactive dashboard',
          value: dashboardMs,
          unit: 'ms',
          samples: RUNS,
          note: `navigation start to the dashboard, PIN typed by automation at once; ${spread(dashboard)}`,
          goal: {
            target: `< ${GOALS.interactiveMs} ms`,
            measured: `${dashboardMs.toFixed(0)} ms`,
            pass: dashboardMs < GOALS.interactiveMs,
          },
        },
        {
          op: 'first-load JavaScript, gzipped',
          value: firstLoadKb,
          unit: 'kB',
          raw: kb(first.firstLoadRaw),
          ratio: first.firstLoadGzip / first.firstLoadRaw,
          ratioLabel: 'gzip/raw',
          note: `${first.firstLoadFiles} script files up to the PIN field; raw column uncompressed`,
          goal: {
            target: `< ${GOALS.firstLoadKb} kB gzipped`,
            measured: `${firstLoadKb.toFixed(1)} kB`,
            pass: firstLoadKb < GOALS.firstLoadKb,
          },
        },
      ];
    } finally {
      await browser.close();
      await hotline.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
