import type { Page } from '@playwright/test';
import { runAxe, seriousViolations } from './axe.js';
import { expect, test } from './fixtures.js';
import { ADMIN_PIN, bootstrapAdmin, createInviteLink, navLink } from './helpers.js';
import { placeSimulatedCall } from './seed-api.js';

/**
 * A new admin's first steps: the first-run checklist on the home screen ticks each item as the
 * hotline's real state changes (name, time zone, an invite, a shift, the simulator, a call), and
 * the dashboards show the calls the simulated carrier placed, as charts and as tables, with no
 * serious accessibility issue.
 */

async function axeViolations(page: Page): Promise<string[]> {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  const results = await runAxe(page);
  expect(results.passes.length).toBeGreaterThan(10);
  return seriousViolations(results);
}

const item = (page: Page, key: string) => page.getByTestId(`setup-${key}`);

/** A reload locks the app: unlock it with the PIN to reach the home screen again. */
async function reloadAndUnlock(page: Page) {
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible({ timeout: 20_000 });
  await page.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('heading', { name: /^Hello, / })).toBeVisible();
}

async function home(page: Page) {
  await navLink(page, 'Dashboard').click();
  await expect(page.getByRole('heading', { name: /^Hello, / })).toBeVisible();
}

test('a new admin completes the first-run checklist, and the dashboards show the calls', async ({
  page,
  hotline,
}) => {
  test.setTimeout(150_000);
  await bootstrapAdmin(page, hotline);
  const checklist = page.getByRole('region', { name: 'Set up your hotline' });

  await test.step('a fresh hotline shows the checklist with nothing done', async () => {
    await expect(checklist).toBeVisible();
    await expect(checklist).toContainText('0 of 6 done');
    for (const key of ['hotlineNamed', 'timeZoneSet', 'volunteersInvited', 'shiftsCreated', 'testCallMade'])
      await expect(item(page, key)).toHaveAttribute('data-done', 'false');
    await expect(item(page, 'hotlineNamed').getByRole('link', { name: 'Name the hotline' })).toHaveAttribute(
      'href',
      '/admin/settings',
    );
    expect(await axeViolations(page)).toEqual([]);
  });

  await test.step('naming the hotline and setting its time zone tick two items', async () => {
    await item(page, 'hotlineNamed').getByRole('link').click();
    await expect(page.getByRole('heading', { name: 'Hotline settings', level: 1 })).toBeVisible();
    const general = page.getByRole('form', { name: 'General' });
    await general.getByLabel('Hotline name').fill('Línea Norte');
    await general.getByLabel('Time zone').selectOption('America/Mexico_City');
    await general.getByRole('button', { name: 'Save General' }).click();
    await expect(general.getByRole('status')).toHaveText('Saved.');
    await home(page);
    await expect(item(page, 'hotlineNamed')).toHaveAttribute('data-done', 'true');
    await expect(item(page, 'timeZoneSet')).toHaveAttribute('data-done', 'true');
    await expect(checklist).toContainText('2 of 6 done');
  });

  await test.step('an invite ticks "invite volunteers"', async () => {
    await createInviteLink(page, 'Vera Volunteer');
    await home(page);
    await expect(item(page, 'volunteersInvited')).toHaveAttribute('data-done', 'true');
  });

  await test.step('a shift ticks "create shifts"', async () => {
    await item(page, 'shiftsCreated').getByRole('link').click();
    await expect(page.getByRole('heading', { name: 'Shifts', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'New shift' }).click();
    const dialog = page.getByRole('dialog', { name: 'New shift' });
    await dialog.getByLabel('Name').fill('Evenings');
    await dialog.getByLabel('Start time').fill('18:00');
    await dialog.getByLabel('Hours').fill('4');
    await dialog.getByLabel('Minutes').fill('0');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await home(page);
    await expect(item(page, 'shiftsCreated')).toHaveAttribute('data-done', 'true');
  });

  await test.step('calls on the simulator tick the last two items, and the checklist goes away', async () => {
    // Nobody is on shift: the first caller reaches voicemail, the second hangs up while waiting.
    await placeSimulatedCall(hotline, '+15551230001');
    await placeSimulatedCall(hotline, '+15551230002');
    // The checklist is read again each time the home screen opens.
    await navLink(page, 'Dashboards').click();
    await expect(page.getByRole('heading', { name: 'Dashboards', level: 1 })).toBeVisible();
    await home(page);
    // Every item done: the checklist is not shown at all.
    await expect(page.getByRole('heading', { name: 'Set up your hotline' })).toHaveCount(0);
  });

  await test.step('the dashboards show the calls as charts and tables', async () => {
    await navLink(page, 'Dashboards').click();
    await expect(page.getByRole('heading', { name: 'Dashboards', level: 1 })).toBeVisible();
    const tiles = page.getByTestId('stat-tiles');
    await expect(tiles.getByRole('definition').first()).toHaveText('2');
    await expect(page.getByTestId('calls-chart').locator('canvas')).toHaveCount(1);
    await expect(page.getByText(/^2 calls: /)).toBeVisible();
    // The table alternative holds the same figures.
    await page.getByText('Show as a table').first().click();
    const table = page.getByTestId('calls-table');
    await expect(table).toBeVisible();
    const today = table.getByRole('row').filter({ has: page.getByRole('cell', { name: '2', exact: true }) });
    await expect(today).toHaveCount(1);
    expect(await axeViolations(page)).toEqual([]);

    // A period of one day by hour, from the presets.
    await page.getByRole('button', { name: 'Today' }).click();
    await expect(page.getByLabel('Group by')).toHaveValue('hour');
    await expect(tiles.getByRole('definition').first()).toHaveText('2');

    // CSV of the same figures.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download calls and conversations (CSV)' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^llamenos-periods-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  });

  await test.step('a bad period is refused in words, before anything is asked of the server', async () => {
    await page.getByLabel('From', { exact: true }).fill('2026-02-01');
    await page.getByLabel('To', { exact: true }).fill('2026-01-01');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect(page.getByRole('alert')).toHaveText('The end date must not be before the start date.');
  });
});

test('the checklist can be put away, and stays away on this device', async ({ page, hotline }) => {
  await bootstrapAdmin(page, hotline);
  const heading = page.getByRole('heading', { name: 'Set up your hotline' });
  await expect(heading).toBeVisible();
  await page.getByRole('button', { name: 'Hide this checklist' }).click();
  await expect(heading).toHaveCount(0);
  await reloadAndUnlock(page);
  await expect(heading).toHaveCount(0);
});
