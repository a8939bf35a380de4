import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { paddedLength, UPLOAD_CHUNK_LOG2 } from '@llamenos/protocol';
import type { Browser, Page } from '@playwright/test';
import { createKeyThroughUi, expect, test } from './fixtures.js';
import { bootstrapAdmin, navLink, unexpected } from './helpers.js';

/**
 * Issue 11's "done when": an admin defines a report type; a reporter files a report with two
 * attachments (one over 100 MB, generated here), and the upload survives a reload at half way
 * (the reporter picks the file again, as the page asks, and it continues from the last chunk
 * the server acknowledged); an admin reads the report and replies; the reporter reads the
 * reply; the admin downloads the large attachment and its SHA-256 equals the generated file's;
 * another reporter sees nothing of it, in the list or by the report's address (the server
 * answers the signed GET with 404). Nothing the reporter wrote reaches the server's log.
 */

const REPORTER_PIN = '246810';
const TITLE = `Checkpoint on the north road ${Math.random().toString(36).slice(2, 8)}`;
const BODY = 'Two vans turned families back at the bridge; they went to the shelter on Calle 5.';
const WHERE = 'North road, km 12';
const REPLY = 'Thank you. The legal team is on it; stay safe.';
const BIG_BYTES = 101 * 1024 * 1024 + 12_345;
const CHUNK_URL = /\/api\/attachments\/[0-9a-f-]{36}\/chunks\/(\d+)$/;

/** A file of random bytes and its SHA-256. */
function generate(dir: string, name: string, bytes: number): { file: string; sha256: string } {
  const file = path.join(dir, name);
  const data = randomBytes(bytes);
  writeFileSync(file, data);
  return { file, sha256: createHash('sha256').update(data).digest('hex') };
}

/** Creates an invite for the Reporter role only and returns its link. */
async function reporterInvite(admin: Page, name: string): Promise<string> {
  await navLink(admin, 'Invites').click();
  await expect(admin.getByRole('heading', { name: 'Invites', level: 1 })).toBeVisible();
  await admin.getByLabel('Their name').fill(name);
  await admin.getByRole('checkbox', { name: 'Reporter' }).check();
  await admin.getByRole('checkbox', { name: 'Volunteer' }).uncheck();
  await admin.getByRole('button', { name: 'Create invite link' }).click();
  await expect(admin.getByRole('heading', { name: `Invite link for ${name}` })).toBeFocused();
  const link = await admin.getByLabel('Invite link', { exact: true }).inputValue();
  await admin.getByRole('button', { name: 'I have sent it' }).click();
  return link;
}

async function join(browser: Browser, link: string, name: string, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true });
  context.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${name}: ${m.text()} @ ${m.location().url}`);
  });
  context.on('weberror', (e) => errors.push(`${name}: ${e.error().message}`));
  const page = await context.newPage();
  await page.goto(link);
  await createKeyThroughUi(page, name, REPORTER_PIN);
  await expect(page.getByRole('heading', { name: 'My reports', level: 1 })).toBeVisible();
  return page;
}

/**
 * Chunk PUTs a page sends, and those it sent again after their acknowledgement (a request the
 * app's service worker makes itself is not the page's).
 */
function watchChunks(page: Page) {
  const acked = new Set<string>();
  const state = { acked: 0, resentAcknowledged: 0 };
  page.on('request', (r) => {
    if (r.serviceWorker() || r.method() !== 'PUT' || !CHUNK_URL.test(r.url())) return;
    if (acked.has(r.url())) state.resentAcknowledged++;
  });
  page.on('response', (r) => {
    if (r.request().serviceWorker() || r.request().method() !== 'PUT') return;
    if (CHUNK_URL.test(r.url()) && r.status() === 200) {
      acked.add(r.url());
      state.acked = acked.size;
    }
  });
  return state;
}

test('reports: a reporter files a report with two attachments, survives a reload mid-upload, an admin reads, replies and downloads', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'llamenos-e2e-reports-'));
  try {
    const big = generate(dir, 'bridge-video.mp4', BIG_BYTES);
    const small = generate(dir, 'checkpoint.jpg', 48_213);

    await test.step('the admin defines a report type with a required field and categories', async () => {
      await bootstrapAdmin(admin, hotline);
      await navLink(admin, 'Settings').click();
      const form = admin.getByRole('form', { name: 'Report types' });
      await form.getByRole('button', { name: 'Add a report type' }).click();
      await form.getByLabel('Name', { exact: true }).fill('Field incident');
      await form.getByRole('button', { name: 'Add a field' }).click();
      await form.getByLabel('Label').nth(0).fill('Where');
      await form.getByLabel('Type').nth(0).selectOption('location');
      await form.getByRole('checkbox', { name: 'Required' }).nth(0).check();
      await form.getByLabel('Categories (one per line)').fill('Access to services\nViolence');
      await form.getByRole('button', { name: 'Save Report types' }).click();
      await expect(form.getByRole('status').last()).toHaveText('Saved.');
    });

    const ritaLink = await reporterInvite(admin, 'Rita Reporter');
    const rafaLink = await reporterInvite(admin, 'Rafa Reporter');
    const rita = await join(browser, ritaLink, 'Rita Reporter', consoleErrors);
    const chunks = watchChunks(rita);

    await test.step('a reporter sees only her reports', async () => {
      const nav = rita.getByRole('navigation', { name: 'Main' });
      await expect(nav.getByRole('link', { name: 'My reports' })).toBeVisible();
      for (const name of ['Notes', 'Messages', 'Calls', 'My shifts'])
        await expect(nav.getByRole('link', { name, exact: true })).toHaveCount(0);
    });

    await test.step('she files a report with two attachments; a reload half way through does not lose it', async () => {
      await rita.getByRole('link', { name: 'New report' }).click();
      await rita.getByLabel('Report type').selectOption({ label: 'Field incident' });
      await rita.getByLabel('Title').fill(TITLE);
      await rita.getByLabel('What happened').fill(BODY);
      await rita.getByLabel('Category').selectOption('Access to services');
      await rita.getByLabel('Where (required)').fill(WHERE);
      await rita.locator('input[type="file"]').setInputFiles([small.file, big.file]);
      await rita.getByRole('button', { name: 'File report' }).click();
      await expect(rita.getByRole('heading', { name: TITLE, level: 1 })).toBeVisible();
      await expect(rita.getByRole('progressbar').first()).toBeVisible();

      // Half way through the large file, the page is reloaded (the small file is one chunk).
      const half = Math.ceil(paddedLength(BIG_BYTES) / 2 ** UPLOAD_CHUNK_LOG2 / 2);
      await expect.poll(() => chunks.acked, { timeout: 60_000, intervals: [50] }).toBeGreaterThan(half);
      const ackedBefore = chunks.acked;
      await rita.reload();
      await rita.getByLabel('PIN', { exact: true }).fill(REPORTER_PIN);
      await rita.getByRole('button', { name: 'Unlock', exact: true }).click();
      await expect(rita.getByRole('heading', { name: TITLE, level: 1 })).toBeVisible();
      const bigItem = rita.getByRole('listitem', { name: /bridge-video\.mp4/ });
      await expect(bigItem.getByText(/Upload not finished/)).toBeVisible();
      await bigItem.getByLabel(/Choose .*bridge-video\.mp4.* again/).setInputFiles(big.file);
      await expect(bigItem.getByText('Uploaded')).toBeVisible({ timeout: 60_000 });
      await expect(
        rita.getByRole('listitem', { name: /checkpoint\.jpg/ }).getByText('Uploaded'),
      ).toBeVisible();
      expect(chunks.acked).toBeGreaterThan(ackedBefore);
      // Nothing the server had acknowledged was sent again.
      expect(chunks.resentAcknowledged).toBe(0);
    });
    const reportPath = new URL(rita.url()).pathname;

    await test.step('an admin reads the report and replies; the reporter reads the reply', async () => {
      await navLink(admin, 'Reports').click();
      await admin.getByRole('link', { name: TITLE }).click();
      await expect(admin.getByRole('heading', { name: TITLE, level: 1 })).toBeVisible();
      await expect(admin.getByText(BODY)).toBeVisible();
      await expect(admin.getByText(WHERE)).toBeVisible();
      await admin.getByLabel('Your reply').fill(REPLY);
      await admin.getByRole('button', { name: 'Send reply' }).click();
      await expect(admin.getByText(REPLY)).toBeVisible();
      await expect(rita.getByText(REPLY)).toBeVisible({ timeout: 15_000 });
    });

    await test.step('the admin downloads the large file: it is the reporter’s, byte for byte', async () => {
      const [download] = await Promise.all([
        admin.waitForEvent('download', { timeout: 60_000 }),
        admin
          .getByRole('listitem', { name: /bridge-video\.mp4/ })
          .getByRole('button', { name: 'Download' })
          .click(),
      ]);
      expect(download.suggestedFilename()).toBe('bridge-video.mp4');
      const saved = path.join(dir, 'downloaded.bin');
      await download.saveAs(saved);
      const hash = createHash('sha256');
      for await (const chunk of (await import('node:fs')).createReadStream(saved))
        hash.update(chunk as Buffer);
      expect(hash.digest('hex')).toBe(big.sha256);
    });

    await test.step('another reporter sees none of it, and its address answers 404', async () => {
      const rafa = await join(browser, rafaLink, 'Rafa Reporter', consoleErrors);
      await expect(rafa.getByText(TITLE)).toHaveCount(0);
      const reportId = reportPath.split('/').pop();
      const answer = rafa.waitForResponse((r) => r.url().endsWith(`/api/reports/${reportId}`));
      await rafa.evaluate((to) => {
        history.pushState(null, '', to);
        dispatchEvent(new PopStateEvent('popstate'));
      }, reportPath);
      expect((await answer).status()).toBe(404);
      await expect(rafa.getByText(TITLE)).toHaveCount(0);
    });

    // The server's own output never carries what the reporter wrote.
    for (const secret of [TITLE, BODY, WHERE, REPLY, 'bridge-video.mp4'])
      expect(hotline.output()).not.toContain(secret);
    expect(unexpected(consoleErrors, /status of 404 .*\/api\/reports\/[0-9a-f-]{36}$/)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
