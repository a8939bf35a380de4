/** Scratch profiler: the bench's notes flow with performance marks, printed as a breakdown. */
import {
  createAuthHeader,
  generateSecretKey,
  getPublicKey,
  getPublicKeyBytes,
  keyIdOf,
  lockWithPin,
  PURPOSES,
  sealForReaders,
  toBase64url,
  toHex,
  utf8,
} from '@llamenos/crypto';
import { noteRecordId } from '@llamenos/protocol';
import { chromium } from '@playwright/test';
import { startHotline } from '../../e2e/fixtures.js';

const NOTES = Number(process.env.N ?? 1000);
const RUNS = Number(process.env.RUNS ?? 2);
const PIN = '482915';

async function call(base: string, key: Uint8Array, method: string, path: string, body?: unknown) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = {
    authorization: createAuthHeader({ url: `${base}${path}`, method, body: text }, key),
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : text });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

const hotline = await startHotline();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
try {
  const base = hotline.url;
  const admin = generateSecretKey();
  const pub = getPublicKey(admin);
  await call(base, admin, 'POST', '/api/bootstrap', {
    token: hotline.bootstrapLink.split('#')[1],
    displayName: 'Bench Admin',
  });
  const s0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (;;) {
        const i = next++;
        if (i >= NOTES) return;
        const id = crypto.randomUUID();
        const text = JSON.stringify({
          text: `Call ${i}: ${'follow-up agreed. '.repeat(8)}${i % 10 === 0 ? 'needle' : ''}`,
          fields: {},
          schema: 1,
        });
        const envelope = sealForReaders(utf8(text), [pub], {
          purpose: PURPOSES.note,
          recordId: noteRecordId(id, 1),
        });
        await call(base, admin, 'POST', '/api/notes', { id, callId: `CA-${i % 50}`, envelope });
      }
    }),
  );
  console.log(
    `seeded ${NOTES} in ${((performance.now() - s0) / 1000).toFixed(1)} s (${((performance.now() - s0) / NOTES).toFixed(1)} ms/note)`,
  );
  const vault = JSON.stringify({
    v: 1,
    keyId: toHex(keyIdOf(getPublicKeyBytes(admin))),
    pinLock: toBase64url(await lockWithPin(admin, PIN)),
    hotline: base,
    failures: 0,
    lockedUntil: 0,
  });
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    await context.addInitScript((stored) => {
      if (!localStorage.getItem('llamenos.vault.v1')) localStorage.setItem('llamenos.vault.v1', stored);
      document.addEventListener('click', () => performance.mark('click'), true);
    }, vault);
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('PIN', { exact: true }).fill(PIN);
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.getByRole('heading', { name: 'Hello, Bench Admin' }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1500);
    const nav = page.getByRole('navigation', { name: 'Main' });
    const t0 = performance.now();
    await nav.getByRole('link', { name: 'Notes', exact: true }).click();
    await page.getByTestId('note-row').nth(49).waitFor({ timeout: 60_000 });
    const first = performance.now() - t0;
    await page.locator('[data-testid="notes-progress"][data-complete="true"]').waitFor({ timeout: 600_000 });
    const all = performance.now() - t0;
    await page.getByLabel('Search notes').fill('needle');
    await page.locator('[data-testid="notes-progress"][data-matching]:not([data-matching=""])').waitFor();
    const search = performance.now() - t0;
    const marks = await page.evaluate(() => {
      const click = performance.getEntriesByName('click').at(-1)?.startTime ?? 0;
      const m = performance
        .getEntriesByType('mark')
        .filter((e) => e.startTime >= click - 5000 && e.name !== 'click')
        .map((e) => ({ name: e.name, t: e.startTime - click, d: (e as PerformanceMark).detail }));
      const res = performance
        .getEntriesByType('resource')
        .filter(
          (e) => e.startTime >= click - 3000 && (e.name.includes('/api/') || e.name.includes('/assets/')),
        )
        .map((e) => {
          const r = e as PerformanceResourceTiming;
          return {
            name: r.name.replace(/^https?:\/\/[^/]+/, '').slice(0, 60),
            start: r.startTime - click,
            ttfb: r.responseStart - click,
            end: r.responseEnd - click,
          };
        });
      return { m, res };
    });
    console.log(
      `\nrun ${run}: first 50 ${first.toFixed(0)} ms, all ${all.toFixed(0)} ms, search ${search.toFixed(0)} ms (Node clock from click)`,
    );
    const slots = marks.m.filter((x) => x.name === 'notes:slot-opened');
    for (const x of marks.m.filter((x) => x.name !== 'notes:slot-opened').slice(0, 14))
      console.log(`  ${x.t.toFixed(0).padStart(6)} ms  ${x.name} ${JSON.stringify(x.d ?? '')}`);
    for (const x of slots.slice(0, 4))
      console.log(
        `  ${x.t.toFixed(0).padStart(6)} ms  slot ${JSON.stringify(x.d)} → ${(x.d.ms / x.d.n).toFixed(2)} ms/note`,
      );
    const perNote =
      slots.slice(2).reduce((a, x) => a + x.d.ms, 0) /
      Math.max(
        1,
        slots.slice(2).reduce((a, x) => a + x.d.n, 0),
      );
    console.log(`  per-note worker round-trip after the first page: ${perNote.toFixed(2)} ms`);
    const lastOpened = marks.m.filter((x) => x.name === 'notes:page-opened').at(-1);
    const lastRendered = marks.m.filter((x) => x.name === 'notes:rendered').at(-1);
    console.log(
      `  last page opened ${lastOpened?.t.toFixed(0)} ms, last render ${lastRendered?.t.toFixed(0)} ms`,
    );
    for (const r of marks.res.slice(0, 12))
      console.log(
        `  ${r.start.toFixed(0).padStart(6)} → ttfb ${r.ttfb.toFixed(0).padStart(6)} → ${r.end.toFixed(0).padStart(6)}  ${r.name}`,
      );
    await context.close();
  }
} finally {
  await browser.close();
  await hotline.stop();
}
