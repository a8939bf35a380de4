import { AxeBuilder } from '@axe-core/playwright';
import { devices, type Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { ADMIN_PIN, bootstrapAdmin, navLink } from './helpers.js';

/** Serious and critical violations (WCAG 2.1 A/AA and best practice), contrast included. */
async function violations(page: Page): Promise<string[]> {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    // Only the violations get every node's selector worked out; passes keep one node each.
    .options({ resultTypes: ['violations'] })
    .analyze();
  // A vacuous pass proves nothing: axe must have looked at colour contrast.
  expect([...results.passes, ...results.incomplete, ...results.violations].map((r) => r.id)).toContain(
    'color-contrast',
  );
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`,
    );
}

/** The page's background colour as the browser paints it. */
const pageBackground = (page: Page) =>
  page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
const WHITE = 'rgb(255, 255, 255)';
const DARK = 'rgb(15, 20, 25)';

test('dark theme: axe finds no serious or critical issue on any screen an admin can open', async ({
  page,
  hotline,
  consoleErrors,
}, testInfo) => {
  test.setTimeout(240_000);
  await page.emulateMedia({ colorScheme: 'dark' });
  const found: Record<string, string[]> = {};
  const check = async (name: string) => {
    const list = await violations(page);
    if (list.length) found[name] = list;
  };

  await page.goto(hotline.url);
  // The device asks for dark and nobody chose otherwise: dark it is.
  expect(await pageBackground(page)).toBe(DARK);
  await check('home, no key');
  await page.goto(hotline.bootstrapLink);
  await check('bootstrap: key setup');
  await bootstrapAdmin(page, hotline);

  const nav = page.locator('nav.main-nav');
  const names = await nav.getByRole('link').allTextContents();
  expect(names.length).toBeGreaterThan(10);
  for (const name of names) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(nav.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
    await check(name);
  }
  await page.screenshot({ path: testInfo.outputPath('dark-settings.png'), fullPage: true });

  // A shift on the calendar, and the dialog that makes it.
  await navLink(page, 'Shifts').click();
  await page.getByRole('button', { name: 'New shift' }).click();
  const dialog = page.getByRole('dialog', { name: 'New shift' });
  await dialog.getByLabel('Name').fill('Day line');
  await dialog.getByLabel('Day it starts on').selectOption('1');
  await dialog.getByLabel('Start time').fill('9:00 AM');
  await dialog.getByLabel('Hours').fill('8');
  await dialog.getByLabel('Minutes').fill('0');
  await check('new shift dialog');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: /Day line/ }).first()).toBeVisible();
  await check('shift calendar with a shift');

  // A dialog over the dark page.
  await navLink(page, 'My settings').click();
  await page.getByRole('button', { name: 'Wipe this device' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await check('wipe dialog');
  await page.getByRole('button', { name: 'Cancel' }).click();

  expect(found).toEqual({});
  expect(consoleErrors).toEqual([]);
});

test('the theme chosen in My settings wins over the device, stays after a reload, and can go back to the device', async ({
  page,
  hotline,
  consoleErrors,
}) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await bootstrapAdmin(page, hotline);
  expect(await pageBackground(page)).toBe(WHITE);

  await navLink(page, 'My settings').click();
  const appearance = page.getByRole('region', { name: 'Appearance' });
  await expect(appearance.getByRole('radio', { name: 'Same as this device' })).toBeChecked();
  await appearance.getByRole('radio', { name: 'Dark' }).check();
  expect(await pageBackground(page)).toBe(DARK);

  // A reload locks the key; the unlock screen is already dark, and unlocking goes back to My settings.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible();
  expect(await pageBackground(page)).toBe(DARK);
  await page.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'My settings', level: 1 })).toBeVisible();
  await expect(appearance.getByRole('radio', { name: 'Dark' })).toBeChecked();
  await appearance.getByRole('radio', { name: 'Same as this device' }).check();
  expect(await pageBackground(page)).toBe(WHITE);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await pageBackground(page)).toBe(DARK);
  expect(consoleErrors).toEqual([]);
});

test.describe('on a phone', () => {
  const { defaultBrowserType: _chromium, ...pixel } = devices['Pixel 7'];
  test.use(pixel);

  test('the header is one line at most 64 px tall and the screens are a bar along the bottom', async ({
    page,
    hotline,
    consoleErrors,
  }, testInfo) => {
    await bootstrapAdmin(page, hotline);
    const viewport = page.viewportSize()!;
    const header = await page.getByRole('banner').boundingBox();
    expect(header!.height).toBeLessThanOrEqual(64);

    const nav = page.getByRole('navigation', { name: 'Main' });
    const bar = await nav.boundingBox();
    expect(bar!.y + bar!.height).toBeCloseTo(viewport.height, 0);
    expect(bar!.height).toBeLessThanOrEqual(80);
    await expect(navLink(page, 'Dashboard')).toHaveAttribute('aria-current', 'page');

    // A screen further along the bar is reached by scrolling the bar, never the page.
    await navLink(page, 'Audit log').click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(navLink(page, 'Audit log')).toHaveAttribute('aria-current', 'page');
    const fitsWidth = () => document.documentElement.scrollWidth <= window.innerWidth + 1;
    expect(await page.evaluate(fitsWidth)).toBe(true);
    await page.screenshot({ path: testInfo.outputPath('phone-audit.png') });

    // The last thing on a long page is not hidden behind the bar.
    const lastVisible = await page.evaluate(() => {
      window.scrollTo(0, document.documentElement.scrollHeight);
      const nav = document.querySelector('nav.main-nav')!.getBoundingClientRect();
      const main = document.getElementById('main')!.getBoundingClientRect();
      return main.bottom <= nav.top + 1;
    });
    expect(lastVisible).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
