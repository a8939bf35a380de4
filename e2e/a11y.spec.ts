import type { Page } from '@playwright/test';
import { rulesChecked, runAxe, seriousViolations } from './axe.js';
import { createKeyThroughUi, expect, test } from './fixtures.js';
import { ADMIN_PIN, bootstrapAdmin, createInviteLink, navLink, VOLUNTEER_PIN } from './helpers.js';

/** Serious and critical violations (WCAG 2.1 A/AA and best practice) on the page as it is now. */
async function violations(page: Page): Promise<string[]> {
  const results = await runAxe(page);
  // Guard against a vacuous pass: axe must actually have checked things, contrast included.
  expect(results.passes.length).toBeGreaterThan(10);
  expect(rulesChecked(results)).toContain('color-contrast');
  return seriousViolations(results);
}

/** Collects the violations of each screen, so one run reports every page at once. */
function auditor(page: Page) {
  const found: Record<string, string[]> = {};
  let checked = 0;
  return {
    found,
    count: () => checked,
    async check(name: string) {
      // The screen has rendered (a busy runner can take many seconds to show a fresh page; a
      // dialog's own heading counts) and has loaded.
      await expect(page.getByRole('heading').first()).toBeVisible({ timeout: 30_000 });
      await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
      const list = await violations(page);
      checked++;
      const lang = await page.evaluate(() => document.documentElement.lang);
      if (list.length) found[`${name} [${lang}]`] = list;
    },
  };
}

/** Every screen the member navigation offers, each checked; returns their names. */
async function checkEveryNavScreen(page: Page, axe: ReturnType<typeof auditor>, who: string) {
  const nav = page.locator('nav.main-nav');
  const names = await nav.getByRole('link').allTextContents();
  for (const name of names) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await axe.check(`${who}: ${name}`);
  }
  return names;
}

test('axe: no serious or critical violations on any screen, for admin and volunteer, LTR and RTL', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(300_000);
  const axe = auditor(admin);

  await test.step('screens before there is a key', async () => {
    await admin.goto(hotline.url);
    await axe.check('home, no key');
    await admin.getByRole('link', { name: 'Restore from backup' }).click();
    await axe.check('restore');
    await admin.getByLabel('Backup file').setInputFiles({
      name: 'x.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{}'),
    });
    await expect(admin.getByRole('alert')).toBeVisible();
    await axe.check('restore: bad file');
    await admin.goto(hotline.bootstrapLink);
    await axe.check('bootstrap: key setup');
    await admin.getByLabel(/your name/i).fill('Ana Admin');
    await admin.getByLabel(/^PIN \(digits only\)/i).fill('12');
    await admin.getByLabel(/^PIN again/i).fill('12');
    await admin.getByRole('button', { name: /create my key/i }).click();
    await expect(admin.getByRole('alert')).toBeVisible();
    await axe.check('bootstrap: PIN too short');
    await admin.getByLabel(/^PIN \(digits only\)/i).fill(ADMIN_PIN);
    await admin.getByLabel(/^PIN again/i).fill(ADMIN_PIN);
    await admin.getByRole('button', { name: /create my key/i }).click();
    await expect(admin.getByTestId('recovery-key')).toBeVisible({ timeout: 60_000 });
    await axe.check('bootstrap: recovery key');
  });

  await test.step('every admin screen, a dialog, and the unlock screen', async () => {
    // The half-finished bootstrap above only made a key in this browser; start over cleanly.
    await admin.evaluate(() => localStorage.clear());
    await admin.goto(hotline.url);
    await bootstrapAdmin(admin, hotline);
    await axe.check('admin: dashboard');
    const screens = await checkEveryNavScreen(admin, axe, 'admin');
    expect(screens.length).toBeGreaterThanOrEqual(7);
    await navLink(admin, 'My settings').click();
    await admin.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(admin.getByRole('dialog')).toBeVisible();
    await axe.check('admin: confirm dialog');
    await admin.keyboard.press('Escape');
    await expect(admin.getByRole('dialog')).toBeHidden();
    await admin.getByRole('button', { name: 'Lock' }).click();
    await axe.check('unlock');
    await admin.getByLabel('PIN', { exact: true }).fill('000000');
    await admin.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(admin.getByRole('alert')).toBeVisible();
    await axe.check('unlock: wrong PIN');
    await admin.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
    await admin.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(admin.getByRole('heading', { level: 1 })).toBeVisible();
  });

  await test.step('a volunteer: the invite page and every screen they can open', async () => {
    const link = await createInviteLink(admin, 'Vera Volunteer');
    const context = await browser.newContext();
    const volunteer = await context.newPage();
    const vaxe = auditor(volunteer);
    await volunteer.goto(link);
    await expect(volunteer.getByLabel(/your name/i)).toBeVisible();
    await vaxe.check('volunteer: invite');
    await createKeyThroughUi(volunteer, 'Vera Volunteer', VOLUNTEER_PIN);
    await expect(volunteer.getByRole('heading', { name: 'Hello, Vera Volunteer' })).toBeVisible();
    await vaxe.check('volunteer: dashboard');
    await checkEveryNavScreen(volunteer, vaxe, 'volunteer');
    Object.assign(axe.found, vaxe.found);
    await context.close();
  });

  await test.step('Arabic (right to left) and Spanish', async () => {
    await admin.getByLabel('Language').selectOption('ar');
    await expect(admin.locator('html')).toHaveAttribute('dir', 'rtl');
    await checkEveryNavScreen(admin, axe, 'admin');
    await admin.locator('header').getByRole('button').first().click(); // Lock (in Arabic)
    await expect(admin.locator('#unlock-pin')).toBeVisible();
    await axe.check('unlock');
    await admin.evaluate(() => localStorage.setItem('llamenos.locale', 'es'));
    await admin.reload();
    await expect(admin.locator('html')).toHaveAttribute('lang', 'es');
    await axe.check('unlock');
    await admin.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
    await admin.getByRole('button', { name: 'Desbloquear' }).click();
    await expect(admin.getByRole('heading', { level: 1 })).toBeVisible();
    await axe.check('admin: dashboard');
    await admin.goto(`${hotline.url}/restore`);
    await axe.check('restore');
  });

  expect(axe.found).toEqual({});
  expect(consoleErrors).toEqual([]);
});

test('keyboard only: the skip link comes first, focus is visible, and bootstrap completes without a mouse', async ({
  page,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(120_000);
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el) return null;
      const style = getComputedStyle(el);
      return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        text: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(),
        label: (el as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? '',
        outline: style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2,
      };
    });
  /**
   * Presses Tab until the focused element matches; fails after `max` presses. After unlock the
   * walk may start at the end of the dashboard and pass the whole navigation (about 20 stops for
   * an admin, more as pages are added) before it reaches My settings.
   */
  async function tabTo(
    match: (f: NonNullable<Awaited<ReturnType<typeof focused>>>) => boolean,
    key: 'Tab' | 'Shift+Tab' = 'Tab',
    max = 45,
  ) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press(key);
      const f = await focused();
      if (f && match(f)) {
        // Whatever has keyboard focus shows it.
        expect(f.outline, `focus outline on ${f.tag}#${f.id} "${f.text}"`).toBe(true);
        return f;
      }
    }
    throw new Error('the element was not reached with Tab');
  }

  await page.goto(hotline.bootstrapLink);
  await expect(page.getByRole('heading', { name: /create the first admin/i })).toBeVisible();

  // The skip link is the very first stop, and it moves focus to the main content.
  await page.keyboard.press('Tab');
  const first = await focused();
  expect(first?.text).toBe('Skip to main content');
  expect(first?.outline).toBe(true);
  await expect(page.getByRole('link', { name: 'Skip to main content' })).toBeInViewport();
  await page.keyboard.press('Enter');
  expect((await focused())?.id).toBe('main');

  // The form, from the keyboard: type, Tab, Enter.
  await tabTo((f) => f.id === 'display-name');
  await page.keyboard.type('Kim Keyboard');
  await tabTo((f) => f.id === 'pin');
  await page.keyboard.type(ADMIN_PIN);
  await tabTo((f) => f.id === 'pin2');
  await page.keyboard.type(ADMIN_PIN);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('recovery-key')).toBeVisible({ timeout: 60_000 });

  const download = page.waitForEvent('download');
  await tabTo((f) => f.tag === 'button' && /download backup/i.test(f.text));
  await page.keyboard.press('Enter');
  await download;
  await tabTo((f) => f.tag === 'input' && /i wrote down/i.test(f.label));
  await page.keyboard.press('Space');
  await tabTo((f) => f.tag === 'button' && /continue/i.test(f.text));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Hello, Kim Keyboard' })).toBeVisible();

  // Navigation works from the keyboard too: Tab to a link, Enter, and the page changes. The
  // call dock after unlock is a chunk of its own: wait for the navigation to be in place first.
  await expect(page.getByRole('link', { name: 'My settings', exact: true })).toBeVisible();
  await tabTo((f) => f.tag === 'a' && f.text === 'My settings');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'My settings', level: 1 })).toBeVisible();
  // Lock and unlock, keyboard only: the Lock button is in the header, back up the page.
  await tabTo((f) => f.tag === 'button' && f.text === 'Lock', 'Shift+Tab');
  await page.keyboard.press('Enter');
  await tabTo((f) => f.id === 'unlock-pin');
  await page.keyboard.type(ADMIN_PIN);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'My settings', level: 1 })).toBeVisible();

  expect(consoleErrors).toEqual([]);
});
