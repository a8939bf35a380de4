import { expect, test } from './fixtures.js';
import { bootstrapAdmin } from './helpers.js';

/**
 * The interface language is the member's, not only the device's: chosen once while signed in,
 * it follows them to the next device they sign in on. Signed out, each device keeps its own.
 */
test('a language chosen while signed in follows the member to another device', async ({
  page,
  browser,
  hotline,
  consoleErrors,
}) => {
  const { recoveryKey, backupPath } = await bootstrapAdmin(page, hotline);
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/me') && r.request().method() === 'PATCH');
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('heading', { name: 'Bonjour, Ana Admin' })).toBeVisible();
  expect((await saved).status()).toBe(200);

  const device = await browser.newContext();
  const other = await device.newPage();
  await other.goto(`${hotline.url}/restore`);
  // Signed out, the new device speaks its own (the browser's) language.
  await expect(other.locator('html')).toHaveAttribute('lang', 'en');
  await other.getByLabel('Backup file').setInputFiles(backupPath);
  await other.getByLabel('Recovery key', { exact: true }).fill(recoveryKey);
  await other.getByLabel('New PIN (digits only)').fill('246810');
  await other.getByRole('button', { name: 'Restore' }).click();
  await expect(other.getByRole('heading', { name: 'Bonjour, Ana Admin' })).toBeVisible();
  await expect(other.locator('html')).toHaveAttribute('lang', 'fr');
  await device.close();

  expect(consoleErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
});
