import { devices, type Page } from '@playwright/test';
import { rulesChecked, runAxe, seriousViolations } from './axe.js';
import { expect, test } from './fixtures.js';
import { ADMIN_PIN, bootstrapAdmin, navLink } from './helpers.js';

/** Serious and critical violations (WCAG 2.1 A/AA and best practice), contrast included. */
async function violations(page: Page): Promise<string[]> {
  // The screen has rendered (a busy runner can take many seconds to show a fresh page; a
  // dialog's own heading counts) and has loaded.
  await expect(page.getByRole('heading').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  const results = await runAxe(page);
  // A vacuous pass proves nothing: axe must have looked at colour contrast.
  expect(rulesChecked(results)).toContain('color-contrast');
  return seriousViolations(results);
}

/** The page's background colour as the browser paints it. */
const pageBackground = (page: Page) =>
  page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
const WHITE = 'rgb(255, 255, 255)';
const DARK = 'rgb(15, 20, 25)';

/**
 * The dark theme's own risk is contrast: the same screens in other colours. a11y.spec.ts walks
 * every screen with axe (light theme, admin and volunteer, LTR and RTL); here axe sees the
 * screens that together show every text colour on every background the dark theme paints. A
 * walk over every screen an admin can open (an empty hotline, as here) found 12 such pairs
 * (computed text colour, nearest painted background, large or not), and three screens show all
 * 12: the dashboard (text on the accent tint, shared only with Reports), Settings (the only text
 * on the raised surface) and My settings (the only danger button). The screens before there is a
 * key, the new-shift dialog, the calendar with a shift on it and a dialog over the dark page are
 * checked on top.
 */
const DARK_CONTRAST_SCREENS = ['Settings', 'My settings'];

test('dark theme: axe finds no serious or critical issue on the screens that show every colour pair', async ({
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
  await check('dashboard');

  const nav = page.locator('nav.main-nav');
  for (const name of DARK_CONTRAST_SCREENS) {
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
