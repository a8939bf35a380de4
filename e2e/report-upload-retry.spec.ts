import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures.js';
import { bootstrapAdmin, navLink, unexpected } from './helpers.js';

/**
 * An upload whose chunks cannot reach the server stops after its bounded retries and says so,
 * never an endless "trying again"; Retry continues it with the same file once the connection is
 * back (issue 11). The retries' waits are cut short by the browser's "online" event, as when a
 * phone's connection returns, so the test does not sit through the backoff.
 */

const CHUNK_URL = /\/api\/attachments\/[0-9a-f-]{36}\/chunks\/\d+$/;

test('reports: an upload that cannot get through stops with a clear message, and Retry finishes it', async ({
  page,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'llamenos-e2e-upload-retry-'));
  try {
    const file = path.join(dir, 'road-photo.jpg');
    writeFileSync(file, randomBytes(300_000));
    await bootstrapAdmin(page, hotline);

    // The server is up, but no chunk gets through (a dead uplink past the first requests).
    await page.route(CHUNK_URL, (route) => route.abort('connectionrefused'));
    await navLink(page, 'Reports').click();
    await page.getByRole('link', { name: 'New report' }).click();
    await page.getByLabel('Title').fill('Blocked road');
    await page.getByLabel('What happened').fill('The road to the clinic is closed.');
    await page.locator('main input[type="file"]').setInputFiles(file);
    await page.getByRole('button', { name: 'File report' }).click();
    await expect(page.getByRole('heading', { name: 'Blocked road', level: 1 })).toBeVisible();

    const item = page.getByRole('listitem', { name: /road-photo\.jpg/ });
    const stopped = item.getByRole('alert');
    await expect
      .poll(
        async () => {
          if (await stopped.isVisible()) return true;
          await page.evaluate(() => window.dispatchEvent(new Event('online')));
          return false;
        },
        { timeout: 60_000, intervals: [200] },
      )
      .toBe(true);
    await expect(stopped).toHaveText(/could not be reached.*Retry/);
    await expect(item.getByText(/^Upload stopped ·/)).toBeVisible();

    await page.unroute(CHUNK_URL);
    await item.getByRole('button', { name: 'Retry' }).click();
    await expect(item.getByText('Uploaded')).toBeVisible({ timeout: 30_000 });
    await expect(item.getByRole('button', { name: 'Download' })).toBeVisible();
    expect(unexpected(consoleErrors, /ERR_CONNECTION_REFUSED/)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reports: a chunk request the server takes and never answers is abandoned after STALL_MS and sent again', async ({
  page,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(120_000);
  // The page's clock runs at its normal pace except when moved on below: the stall timeout is
  // reached by moving the clock past it, not by sitting through it.
  await page.clock.install();
  const dir = mkdtempSync(path.join(tmpdir(), 'llamenos-e2e-upload-stall-'));
  try {
    const file = path.join(dir, 'clinic-door.jpg');
    writeFileSync(file, randomBytes(200_000));
    await bootstrapAdmin(page, hotline);

    // The first chunk request is taken and held without an answer (a hung proxy); later ones pass.
    let held = 0;
    await page.route(CHUNK_URL, async (route) => {
      if (held++ === 0) return; // never answered
      await route.continue();
    });
    await navLink(page, 'Reports').click();
    await page.getByRole('link', { name: 'New report' }).click();
    await page.getByLabel('Title').fill('Clinic door');
    await page.getByLabel('What happened').fill('The clinic door was locked at noon.');
    await page.locator('main input[type="file"]').setInputFiles(file);
    await page.getByRole('button', { name: 'File report' }).click();
    await expect(page.getByRole('heading', { name: 'Clinic door', level: 1 })).toBeVisible();

    const item = page.getByRole('listitem', { name: /clinic-door\.jpg/ });
    await expect.poll(() => held).toBe(1);
    // Within its allowance the held request is waited for: 20 s on (leaving a busy machine 9 s of
    // real time before the allowance ends), and a real second for a retry (its backoff is at most
    // 0.625 s) to show, nothing was sent again.
    await page.clock.fastForward('00:20');
    await page.waitForTimeout(1000);
    expect(held).toBe(1);
    await expect(item.getByText('Uploaded')).toBeHidden();
    // Past STALL_MS (30 s, apps/web/src/lib/attachments/uploader.ts) the held request is
    // abandoned and sent again, and the retry goes through. The page's clock is then about 31 s
    // ahead of the server's, inside the ±60 s a signed request may differ by.
    await page.clock.fastForward('00:11');
    await expect(item.getByText('Uploaded')).toBeVisible({ timeout: 30_000 });
    expect(held).toBe(2);
    expect(unexpected(consoleErrors)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
