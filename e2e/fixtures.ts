import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test as base, type Page } from '@playwright/test';
import { type Hotline, type RunningHotline, startHotline } from './hotline-process.js';

export { type Hotline, startHotline } from './hotline-process.js';

/**
 * A worker's hotlines: each test's own server was started while the test before it ran, and each
 * is stopped (SIGTERM, the server's graceful shutdown) while the next one runs; the worker waits
 * for every stop at its end and fails if a server did not exit in time. Starting and stopping a
 * server costs seconds of mostly waiting, which no test needs to wait for.
 */
class HotlinePool {
  private spare: { host: string; hotline: Promise<RunningHotline> } | null = null;
  private readonly stopping: Promise<string | null>[] = [];

  /** A fresh, never-used hotline reached as `host`; the next one starts in the background. */
  async take(host: string): Promise<RunningHotline> {
    const ready = this.spare?.host === host ? this.spare.hotline : startHotline({}, { hostname: host });
    if (this.spare?.host === host) this.spare = null;
    const hotline = await ready;
    hotline.foreground();
    if (!this.spare) {
      const next = startHotline({}, { hostname: host, background: true });
      next.catch(() => {}); // reported when taken (or dropped at the end)
      this.spare = { host, hotline: next };
    }
    return hotline;
  }

  /** Stops a test's hotline without holding up the next test. */
  retire(hotline: RunningHotline): void {
    const deadline = 30_000;
    const stop = hotline.stop().then(() => null);
    const late = new Promise<string>((resolve) =>
      setTimeout(
        () => resolve(`the server at ${hotline.url} did not stop within ${deadline / 1000} s`),
        deadline,
      ).unref(),
    );
    this.stopping.push(Promise.race([stop, late]).catch((error: unknown) => String(error)));
  }

  /** Stops the spare and waits for every stop; throws if one failed or hung. */
  async close(): Promise<void> {
    const spare = this.spare;
    this.spare = null;
    if (spare) await spare.hotline.then((h) => this.retire(h)).catch(() => {});
    const problems = (await Promise.all(this.stopping)).filter((p): p is string => p !== null);
    if (problems.length) throw new Error(problems.join('\n'));
  }
}

/** Every test gets its own hotline; console errors on any page fail the test. */
export const test = base.extend<
  { hotline: Hotline; consoleErrors: string[]; hotlineHost: string },
  { hotlines: HotlinePool }
>({
  hotlines: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright's fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const pool = new HotlinePool();
      await use(pool);
      await pool.close();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  /** The host name the hotline is reached by (PUBLIC_URL); `test.use({ hotlineHost: 'localhost' })`. */
  hotlineHost: ['127.0.0.1', { option: true }],
  hotline: async ({ hotlineHost, hotlines }, use) => {
    const hotline = await hotlines.take(hotlineHost);
    await use(hotline);
    hotlines.retire(hotline);
  },
  consoleErrors: async ({ context }, use) => {
    const errors: string[] = [];
    // Each error names the resource it is about, so a test can excuse exactly its deliberate failures.
    context.on('console', (m) => {
      if (m.type() !== 'error') return;
      const where = m.location().url;
      errors.push(where ? `${m.text()} @ ${where}` : m.text());
    });
    context.on('weberror', (e) => errors.push(e.error().message));
    await use(errors);
  },
});

export { expect } from '@playwright/test';

/** Fills the key setup form and walks through the recovery step; returns the recovery key and the backup file path. */
export async function createKeyThroughUi(
  page: Page,
  name: string,
  pin: string,
): Promise<{ recoveryKey: string; backupPath: string }> {
  await page.getByLabel(/your name/i).fill(name);
  await page.getByLabel(/^PIN \(digits only\)/i).fill(pin);
  await page.getByLabel(/^PIN again/i).fill(pin);
  await page.getByRole('button', { name: /create my key/i }).click();
  const recoveryKey = (await page.getByTestId('recovery-key').textContent({ timeout: 60_000 }))?.trim() ?? '';
  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('button', { name: /download backup/i }).click();
  const download = await downloadPromise;
  const backupPath = path.join(
    mkdtempSync(path.join(tmpdir(), 'llamenos-backup-')),
    download.suggestedFilename(),
  );
  await download.saveAs(backupPath);
  await page.getByLabel(/i wrote down/i).check();
  await page.getByRole('button', { name: /continue/i }).click();
  return { recoveryKey, backupPath };
}
