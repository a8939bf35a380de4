import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { DESKTOP, mainScreens, openScreen, restoreOnPhone, seedHotline } from './seed-hotline.js';

/**
 * The pictures in README.md and docs/screenshots/: the main screens of a seeded hotline at phone
 * and desktop size, light and dark. Opt-in (`node scripts/screenshots.mjs`, which sets
 * SCREENSHOTS=1): `npm test` skips it, since it writes into the repository.
 */

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

/** The screens worth a picture (of mainScreens' names). */
const PICTURED = [
  'home',
  'calls',
  'dashboards',
  'conversation',
  'note',
  'report',
  'shifts',
  'people',
  'audit',
  'my settings',
];

/**
 * The device's light or dark preference, which the app follows when no theme is chosen in My
 * settings: the dark tokens are a stylesheet linked with that media query (index.html).
 */
async function useTheme(page: Page, theme: 'light' | 'dark') {
  await page.emulateMedia({ colorScheme: theme });
}

// Skipped before any fixture starts a server.
test.skip(!process.env.SCREENSHOTS, 'opt-in: node scripts/screenshots.mjs');

test('screenshots of the main screens, phone and desktop, light and dark', async ({
  page: desktop,
  browser,
  hotline,
}) => {
  test.setTimeout(600_000);
  mkdirSync(OUT, { recursive: true });
  await desktop.setViewportSize(DESKTOP.viewport);
  const errors: string[] = [];
  const seeded = await seedHotline(desktop, browser, hotline, errors);
  const { context, phone } = await restoreOnPhone(browser, hotline, seeded, errors);
  const screens = mainScreens(seeded).filter(([name]) => PICTURED.includes(name));

  for (const [size, page] of [
    ['desktop', desktop],
    ['phone', phone],
  ] as const) {
    for (const theme of ['light', 'dark'] as const) {
      await useTheme(page, theme);
      for (const [name, path] of screens) {
        await openScreen(page, path);
        // Charts draw after their data arrives; give them their first frame.
        if (name === 'dashboards')
          await expect(page.getByTestId('calls-chart').locator('canvas')).toHaveCount(1);
        // Opening a screen focuses its heading; the picture starts at the top of the page.
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.mouse.move(0, 0);
        await page.waitForTimeout(300);
        await page.screenshot({
          path: `${OUT}${size}-${theme}-${name.replace(/\s+/g, '-')}.png`,
          scale: 'css',
          animations: 'disabled',
          caret: 'hide',
        });
      }
    }
  }
  await context.close();
});
