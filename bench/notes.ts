/**
 * Call notes benchmark.
 *
 * 1. Node: seal one note for its author and 5 admins, and open it as one reader (ms, median).
 * 2. Chromium (Debian's /usr/bin/chromium, driven by Playwright) against a real server
 *    (apps/server/dist, PGlite in a temporary directory, the built web app): BENCH_NOTES
 *    (default 5,000) notes are sealed in Node for the admin and stored through the API; then,
 *    in the browser, the time from opening /notes to the first 50 notes shown, to all notes
 *    decrypted, and to a search over all of them answered; and the grant-access re-wrap of
 *    every note for a new admin through the Grant access page.
 *
 * Needs `npx tsc -b` and `cd apps/web && npx vite build` first (as the e2e tests do).
 */
import { cpus } from 'node:os';
import {
  createAuthHeader,
  generateSecretKey,
  getPublicKey,
  getPublicKeyBytes,
  keyIdOf,
  lockWithPin,
  openAsReader,
  PURPOSES,
  sealForReaders,
  toBase64url,
  toHex,
  utf8,
} from '@llamenos/crypto';
import { noteRecordId } from '@llamenos/protocol';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/chromium.js';
import { startHotline } from '../e2e/fixtures.js';
import { compareSync } from './timing.js';
import type { Row, Suite } from './types.js';

const NOTES = Number(process.env.BENCH_NOTES ?? 5000);
const SEED_CONCURRENCY = 8;
const PIN = '482915';
const GOALS = { firstShownS: 1, searchAllS: 3, rewrapS: 60 };

function samplePayload(i: number): string {
  const topics = ['housing', 'eviction', 'family', 'work', 'health', 'school', 'money', 'loneliness'];
  const text = `Call ${i}: talked about ${topics[i % topics.length]}; ${'follow-up agreed, caller safe. '.repeat(6)}${
    i % 10 === 0 ? 'needle' : ''
  }`;
  return JSON.stringify({ text, fields: {}, schema: 1 });
}

function nodeRows(): Row[] {
  const author = generateSecretKey();
  const admins = Array.from({ length: 5 }, () => generateSecretKey());
  const readers = [getPublicKey(author), ...admins.map(getPublicKey)];
  const plaintext = utf8(samplePayload(1));
  const id = crypto.randomUUID();
  const ctx = { purpose: PURPOSES.note, recordId: noteRecordId(id, 1) };
  const envelope = sealForReaders(plaintext, readers, ctx);
  const [seal, open] = compareSync(
    [
      () => sealForReaders(plaintext, readers, ctx),
      () => openAsReader(envelope, admins[2] as Uint8Array, ctx),
    ],
    { budgetMs: 4000, sampleMs: 20 },
  );
  return [
    {
      op: 'seal a note for 1 author + 5 admins (Node)',
      value: seal?.medianMs ?? Number.NaN,
      unit: 'ms',
      samples: seal?.samples,
      note: `spread ${((seal?.spread ?? 0) * 100).toFixed(1)}%; one content encryption + 6 ECIES wraps`,
    },
    {
      op: 'open a note as one reader (Node)',
      value: open?.medianMs ?? Number.NaN,
      unit: 'ms',
      samples: open?.samples,
      note: `spread ${((open?.spread ?? 0) * 100).toFixed(1)}%; one ECDH unwrap + content decryption`,
    },
  ];
}

/** A signed JSON request from Node, as a member's browser would send it. */
async function call<T>(
  base: string,
  key: Uint8Array,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = {
    authorization: createAuthHeader({ url: `${base}${path}`, method, body: text }, key),
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : text,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function seed(base: string, admin: Uint8Array, adminPubkey: string): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= NOTES) return;
      const id = crypto.randomUUID();
      const envelope = sealForReaders(utf8(samplePayload(i)), [adminPubkey], {
        purpose: PURPOSES.note,
        recordId: noteRecordId(id, 1),
      });
      await call(base, admin, 'POST', '/api/notes', { id, callId: `CA-bench-${i % 50}`, envelope });
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  return (performance.now() - start) / 1000;
}

const goal = (target: number, measured: number, unit = 's') => ({
  target: `< ${target} ${unit}`,
  measured: `${measured.toFixed(2)} ${unit}`,
  pass: measured < target,
});

async function browserRows(): Promise<Row[]> {
  const hotline = await startHotline();
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const base = hotline.url;
    const admin = generateSecretKey();
    const adminPubkey = getPublicKey(admin);
    const token = hotline.bootstrapLink.split('#')[1] ?? '';
    await call(base, admin, 'POST', '/api/bootstrap', { token, displayName: 'Bench Admin' });
    const seedSeconds = await seed(base, admin, adminPubkey);
    // The admin's key, PIN-locked, in the browser's vault, exactly as the app stores it.
    const vault = {
      v: 1,
      keyId: toHex(keyIdOf(getPublicKeyBytes(admin))),
      pinLock: toBase64url(await lockWithPin(admin, PIN)),
      hotline: base,
      failures: 0,
      lockedUntil: 0,
    };
    const context = await browser.newContext();
    await context.addInitScript((stored) => {
      if (!localStorage.getItem('llamenos.vault.v1')) localStorage.setItem('llamenos.vault.v1', stored);
    }, JSON.stringify(vault));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base);
    await page.getByLabel('PIN', { exact: true }).fill(PIN);
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.getByRole('heading', { name: 'Hello, Bench Admin' }).waitFor({ timeout: 30_000 });
    // A person reads the dashboard for a moment before opening notes; meanwhile the app gets
    // the notes workers ready (App.tsx, lib/notes/warm.ts). The bench waits the same moment.
    await page.waitForTimeout(1500);
    const workers = await page.evaluate(() => Math.min(4, Math.max(1, navigator.hardwareConcurrency || 2)));

    // List: from the click on "Notes" to the first 50 shown, then to every note decrypted.
    const nav = page.getByRole('navigation', { name: 'Main' });
    const t0 = performance.now();
    await nav.getByRole('link', { name: 'Notes', exact: true }).click();
    await page.getByRole('heading', { name: 'Call notes' }).waitFor();
    const headingAt = (performance.now() - t0) / 1000;
    await page.getByTestId('note-row').first().waitFor({ timeout: 60_000 });
    const firstRowAt = (performance.now() - t0) / 1000;
    await page.getByTestId('note-row').nth(49).waitFor({ timeout: 60_000 });
    if (process.env.BENCH_NOTES_DEBUG) console.log({ headingAt, firstRowAt });
    const firstShown = (performance.now() - t0) / 1000;
    await page.locator('[data-testid="notes-progress"][data-complete="true"]').waitFor({ timeout: 600_000 });
    const allDecrypted = (performance.now() - t0) / 1000;
    const loaded = Number(await page.getByTestId('notes-progress').getAttribute('data-loaded'));
    const s0 = performance.now();
    await page.getByLabel('Search notes').fill('needle');
    await page.locator('[data-testid="notes-progress"][data-matching]:not([data-matching=""])').waitFor();
    const searchOnly = (performance.now() - s0) / 1000;
    const matching = Number(await page.getByTestId('notes-progress').getAttribute('data-matching'));
    const searchAll = (performance.now() - t0) / 1000;

    // Grant access: a second admin joins; the first admin's browser re-wraps every note for them.
    const second = generateSecretKey();
    const invite = await call<{ token: string }>(base, admin, 'POST', '/api/invites', {
      displayName: 'Second Admin',
      roles: ['admin'],
    });
    await call(base, second, 'POST', '/api/invites/redeem', { token: invite.token });
    await nav.getByRole('link', { name: 'Grant access', exact: true }).click();
    await page.getByLabel('Admin to grant access to').selectOption({ label: 'Second Admin' });
    await page.getByRole('button', { name: 'Grant access' }).waitFor();
    const g0 = performance.now();
    await page.getByRole('button', { name: 'Grant access' }).click();
    await page.locator('[data-testid="grant-status"][data-percent="100"]').waitFor({ timeout: 600_000 });
    await page.getByText('Second Admin can now read every note you can read.').waitFor({ timeout: 60_000 });
    const rewrap = (performance.now() - g0) / 1000;
    const status = await call<{ total: number; done: number }>(
      base,
      admin,
      'GET',
      `/api/notes/grant-status?reader=${getPublicKey(second)}`,
    );
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    if (loaded !== NOTES || matching !== Math.ceil(NOTES / 10) || status.done !== NOTES)
      throw new Error(`unexpected counts: loaded ${loaded}, matching ${matching}, granted ${status.done}`);

    const where = `Chromium, ${workers} notes worker(s), ${cpus().length} CPU(s)`;
    return [
      {
        op: `seed ${NOTES} notes through the API (Node seals, ${SEED_CONCURRENCY} concurrent)`,
        value: seedSeconds,
        unit: 's',
        note: 'setup, not a goal',
      },
      {
        op: `open /notes → first 50 of ${NOTES} shown`,
        value: firstShown,
        unit: 's',
        note: where,
        goal: goal(GOALS.firstShownS, firstShown),
      },
      {
        op: `open /notes → all ${NOTES} decrypted`,
        value: allDecrypted,
        unit: 's',
        note: `${where}; pages of 200 fetched while the workers decrypt`,
      },
      {
        op: `open /notes → search over all ${NOTES} answered`,
        value: searchAll,
        unit: 's',
        note: `${matching} matches; decryption dominates (one ECDH per note)`,
        goal: goal(GOALS.searchAllS, searchAll),
      },
      {
        op: `search over ${NOTES} decrypted notes (typing → results)`,
        value: searchOnly * 1000,
        unit: 'ms',
        note: 'in the workers; includes the 150 ms input debounce',
      },
      {
        op: `grant access: re-wrap ${NOTES} notes for a new admin (UI)`,
        value: rewrap,
        unit: 's',
        note: `${where}; batches of 500, fetch/wrap/post pipelined`,
        goal: goal(GOALS.rewrapS, rewrap),
      },
    ];
  } finally {
    await browser.close();
    await hotline.stop();
  }
}

export const notesSuite: Suite = {
  name: 'notes',
  async run() {
    return [...nodeRows(), ...(await browserRows())];
  },
};
