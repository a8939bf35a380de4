import { devices, type Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { ADMIN_PIN, bootstrapAdmin, navLink, unexpected } from './helpers.js';

/**
 * The installable app: the service worker serves the app shell offline and never keeps what
 * the API answered; the settings offer notifications; the main screens fit a phone.
 */

/** Waits until a service worker controls the page (it does from the first reload after install). */
async function controlled(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** Every URL in every Cache Storage cache of the page's origin, by cache name. */
const cachedUrls = (page: Page) =>
  page.evaluate(async () => {
    const all: Record<string, string[]> = {};
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      all[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
    }
    return all;
  });

test('offline: the app shell comes from the service worker, and no API answer is in any cache', async ({
  page,
  hotline,
  consoleErrors,
}) => {
  const apiAnswers: string[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/api/') && response.ok()) apiAnswers.push(url.pathname);
  });

  await bootstrapAdmin(page, hotline);
  await controlled(page);
  // Locked after the reload: unlocking and reading the member's screens fetches their data.
  await page.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Hello, Ana Admin' })).toBeVisible();
  await navLink(page, 'My settings').click();
  await expect(page.getByRole('region', { name: 'Notifications on this device' })).toBeVisible();
  expect(
    apiAnswers.length,
    'the page asked the API for data while the worker was in control',
  ).toBeGreaterThan(3);
  expect(unexpected(consoleErrors)).toEqual([]);

  await test.step('the shell is cached as one versioned set, and nothing from /api is', async () => {
    const caches = await cachedUrls(page);
    const shell = Object.entries(caches).filter(([name]) => name.startsWith('llamenos-shell-'));
    expect(shell, 'exactly one version of the shell').toHaveLength(1);
    const files = shell[0]![1];
    expect(files).toContain('/index.html');
    expect(files).toContain('/manifest.webmanifest');
    expect(files.some((f) => /^\/assets\/index-[\w-]+\.js$/.test(f))).toBe(true);
    const everything = Object.values(caches).flat();
    expect(everything.filter((path) => path.startsWith('/api'))).toEqual([]);
  });

  await test.step('offline, a reload still shows the app, which says the server cannot be reached', async () => {
    await page.context().setOffline(true);
    // index.html is served no-cache: offline, only the service worker can answer this reload.
    await page.reload();
    await expect(page.locator('header.app-header')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Wipe this device' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('The server could not be reached');
    // A client route is the same shell.
    await page.goto(`${hotline.url}/settings`);
    await expect(page.locator('header.app-header')).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('The server could not be reached');
    const caches = await cachedUrls(page);
    expect(
      Object.values(caches)
        .flat()
        .filter((path) => path.startsWith('/api')),
    ).toEqual([]);
    await page.context().setOffline(false);
  });
});

test('the manifest and icons make the app installable', async ({ page, hotline }) => {
  await page.goto(hotline.url);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = (await (await page.request.get(`${hotline.url}${href}`)).json()) as {
    name: string;
    start_url: string;
    display: string;
    icons: { src: string; sizes: string; purpose: string; type: string }[];
  };
  expect(manifest.name).toBe('Llamenos');
  expect(manifest.display).toBe('standalone');
  expect(manifest.start_url).toBe('/');
  for (const size of ['192x192', '512x512'])
    expect(manifest.icons.some((i) => i.sizes === size && i.type === 'image/png')).toBe(true);
  expect(manifest.icons.some((i) => i.purpose === 'maskable')).toBe(true);
  for (const icon of manifest.icons) {
    const res = await page.request.get(`${hotline.url}${icon.src}`);
    expect(res.status(), icon.src).toBe(200);
    expect(res.headers()['content-type']).toBe(icon.type);
  }
  const worker = await page.request.get(`${hotline.url}/sw.js`);
  expect(worker.status()).toBe(200);
  expect(worker.headers()['cache-control']).toBe('no-cache');
});

test.describe('on a phone', () => {
  // A phone's screen, touch and user agent (Chromium: the only browser here).
  const { defaultBrowserType: _chromium, ...pixel } = devices['Pixel 7'];
  test.use(pixel);

  /** No screen may scroll sideways on a phone. */
  const fitsWidth = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

  test('a first admin sets up, reaches the dashboard, settings and notes, all within the screen width', async ({
    page,
    hotline,
    consoleErrors,
  }) => {
    await bootstrapAdmin(page, hotline);
    expect(await fitsWidth(page)).toBe(true);
    await navLink(page, 'My settings').click();
    await expect(page.getByRole('region', { name: 'Notifications on this device' })).toBeVisible();
    await expect(page.getByTestId('push-toggle')).not.toBeChecked();
    expect(await fitsWidth(page)).toBe(true);
    await navLink(page, 'Notes').click();
    await expect(page.getByRole('heading', { name: 'Call notes', level: 1 })).toBeVisible();
    expect(await fitsWidth(page)).toBe(true);
    expect(unexpected(consoleErrors)).toEqual([]);
  });
});
