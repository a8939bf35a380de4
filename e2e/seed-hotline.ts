import type { Browser, Page } from '@playwright/test';
import { devices } from '@playwright/test';
import { expect, type Hotline, test } from './fixtures.js';
import { ADMIN_PIN, navLink, VOLUNTEER_PIN, watchConsole } from './helpers.js';
import {
  bootstrapAdminByApi,
  createInviteByApi,
  inviteByApi,
  shiftByApi,
  shiftCoveringNow,
  signInWithPin,
  writeKeyBackup,
} from './seed-api.js';

/**
 * One small hotline with a little of everything, for the screens that are checked in every
 * language (locales.spec.ts) and photographed for the README (screenshots.spec.ts): two
 * volunteers (one joined, one invited), a shift covering now, an answered call with a note, a
 * text conversation with a reply, and a report; the admin's key also on a phone. The members
 * are made through the API (e2e/seed-api.ts): joining is what the onboarding specs test.
 */

export const PHONE = { ...devices['Pixel 7'], viewport: { width: 412, height: 915 } };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };
const ADMIN_PIN_PHONE = '246810';

const CALLER = '+15551237788';
const CONTACT = '+15550149911';

/** In-app navigation: a page load would lock the key, which lives in memory only. */
export async function goInApp(page: Page, path: string) {
  await page.evaluate((to) => {
    history.pushState(null, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

async function simulator(hotline: Hotline, path: string, body: unknown) {
  const response = await fetch(`${hotline.url}/api/simulator/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

/** Switches the interface language from the header's picker (hidden in a menu on a phone). */
export async function chooseLanguage(page: Page, code: string) {
  await page.locator('.language-picker select').first().selectOption(code, { force: true });
  await expect(page.locator('html')).toHaveAttribute('lang', code);
}

/**
 * Opens a screen and waits until it has its heading and nothing is loading any more. Both are
 * checked in the page at every frame, in one round trip: the walks in every language open
 * hundreds of screens, and two expect() polls each cost a tenth of a second or more per screen
 * on a busy runner.
 */
export async function openScreen(page: Page, path: string) {
  await goInApp(page, path);
  await page
    .waitForFunction(
      () => {
        const heading = document.querySelector('main h1');
        if (!heading || getComputedStyle(heading).visibility === 'hidden') return false;
        const box = heading.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && !document.querySelector('[aria-busy="true"]');
      },
      undefined,
      { polling: 'raf', timeout: 10_000 },
    )
    .catch(async () => {
      // Said the way the expect() calls say it, naming what is missing.
      await expect(page.locator('main h1').first()).toBeVisible({ timeout: 1 });
      await expect(page.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 1 });
    });
}

/** The seeded hotline: what each screen has to show. */
export interface Seeded {
  noteId: string;
  reportId: string;
  conversationId: string;
  backupPath: string;
  recoveryKey: string;
}

export async function seedHotline(
  admin: Page,
  browser: Browser,
  hotline: Hotline,
  errors: string[],
): Promise<Seeded> {
  const { backupPath, recoveryKey, vera, veraContext } =
    await test.step('the admin and Vera have joined (through the API), Vera on a shift covering now', async () => {
      const ana = await bootstrapAdminByApi(hotline);
      const backup = await writeKeyBackup(hotline, ana, ADMIN_PIN);
      const veraMember = await inviteByApi(hotline, ana, 'Vera Volunteer');
      // A second invite stays pending: the people screen shows both states.
      await createInviteByApi(hotline, ana, 'Victor Volunteer');
      await shiftByApi(hotline, ana, [veraMember], shiftCoveringNow(), 'Evening line');
      const veraContext = await browser.newContext();
      watchConsole(veraContext, 'vera', errors);
      const vera = await veraContext.newPage();
      await signInWithPin(admin, hotline, ana, ADMIN_PIN);
      await signInWithPin(vera, hotline, veraMember, VOLUNTEER_PIN);
      await expect(vera.getByTestId('live-status')).toHaveAttribute('data-status', 'connected');
      await expect(vera.getByTestId('on-shift-now')).toHaveText('You are on shift now.');
      return { ...backup, vera, veraContext };
    });

  await test.step('the admin names the hotline and defines a report type', async () => {
    await navLink(admin, 'Settings').click();
    const general = admin.getByRole('form', { name: 'General' });
    await general.getByLabel('Hotline name').fill('Línea de Apoyo Comunitario del Norte');
    await general.getByRole('button', { name: 'Save General' }).click();
    await expect(general.getByRole('status')).toHaveText('Saved.');
    const types = admin.getByRole('form', { name: 'Report types' });
    await types.getByRole('button', { name: 'Add a report type' }).click();
    await types.getByLabel('Name', { exact: true }).fill('Field incident');
    await types.getByLabel('Categories (one per line)').fill('Access to services\nViolence');
    await types.getByRole('button', { name: 'Save Report types' }).click();
    await expect(types.getByRole('status').last()).toHaveText('Saved.');
  });

  const noteId = await test.step('a caller calls, Vera answers and writes a note', async () => {
    await simulator(hotline, 'calls', { from: CALLER });
    const card = vera.getByTestId('incoming-call');
    await expect(card).toBeVisible({ timeout: 10_000 });
    await card.getByRole('button', { name: 'Answer' }).click();
    await expect(vera.getByTestId('active-call')).toBeVisible();
    await vera.getByRole('button', { name: 'End call' }).click();
    await vera.getByRole('link', { name: 'Write a note' }).click();
    await vera
      .getByLabel('Note', { exact: true })
      .fill('The caller lost her housing this week and talked through a plan for tonight.');
    await vera.getByRole('button', { name: 'Save note' }).click();
    await expect(vera.getByTestId('note-text')).toBeVisible();
    return vera.url().split('/').pop() ?? '';
  });

  const conversationId = await test.step('a contact texts the hotline and Vera replies', async () => {
    await navLink(vera, 'Messages').click();
    await simulator(hotline, 'texts', { channel: 'sms', from: CONTACT, body: 'Is anyone there tonight?' });
    await vera.getByRole('link', { name: 'SMS · …9911' }).click();
    await vera.getByLabel('Your reply').fill('Yes, I am here. What is on your mind?');
    await vera.getByRole('button', { name: 'Send reply' }).click();
    await expect(vera.getByLabel('Your reply')).toHaveValue('');
    return vera.url().split('/').pop() ?? '';
  });
  await veraContext.close();

  const reportId = await test.step('the admin files a report', async () => {
    await goInApp(admin, '/reports/new');
    await admin.getByLabel('Report type').selectOption({ label: 'Field incident' });
    await admin.getByLabel('Title').fill('Clinic turned people away at the north gate');
    await admin.getByLabel('What happened').fill('Three families were refused entry without an explanation.');
    await admin.getByLabel('Category').selectOption('Access to services');
    await admin.getByRole('button', { name: 'File report' }).click();
    await expect(
      admin.getByRole('heading', { name: 'Clinic turned people away at the north gate', level: 1 }),
    ).toBeVisible();
    return admin.url().split('/').pop() ?? '';
  });

  return { noteId, reportId, conversationId, backupPath, recoveryKey };
}

/** The admin's key on a second device (the phone), restored from the backup file. */
export async function restoreOnPhone(browser: Browser, hotline: Hotline, seeded: Seeded, errors: string[]) {
  const context = await browser.newContext(PHONE);
  watchConsole(context, 'phone', errors);
  const phone = await context.newPage();
  await phone.goto(`${hotline.url}/restore`);
  await phone.getByLabel('Backup file').setInputFiles(seeded.backupPath);
  await phone.getByLabel('Recovery key', { exact: true }).fill(seeded.recoveryKey);
  await phone.getByLabel('New PIN (digits only)').fill(ADMIN_PIN_PHONE);
  await phone.getByRole('button', { name: 'Restore' }).click();
  await expect(phone.getByRole('heading', { name: 'Hello, Ana Admin' })).toBeVisible();
  return { context, phone };
}

/** The main screens, by a short name and their path. */
export function mainScreens(seeded: Seeded): [string, string][] {
  return [
    ['home', '/'],
    ['calls', '/admin/calls'],
    ['dashboards', '/admin/dashboards'],
    ['conversations', '/conversations'],
    ['conversation', `/conversations/${seeded.conversationId}`],
    ['notes', '/notes'],
    ['note', `/notes/${seeded.noteId}`],
    ['reports', '/reports'],
    ['report', `/reports/${seeded.reportId}`],
    ['shifts', '/admin/shifts'],
    ['my shifts', '/shifts'],
    ['people', '/admin/volunteers'],
    ['invites', '/admin/invites'],
    ['hotline settings', '/admin/settings'],
    ['audit', '/admin/audit'],
    ['my settings', '/settings'],
  ];
}
