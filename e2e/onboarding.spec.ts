import { createKeyThroughUi, expect, test } from './fixtures.js';

test('first admin: bootstrap, lock, wrong PIN, unlock, restore on another device', async ({
  page,
  browser,
  hotline,
  consoleErrors,
}) => {
  await page.goto(hotline.bootstrapLink);
  await expect(page.getByRole('heading', { name: /create the first admin/i })).toBeVisible();
  // The one-time code is taken out of the address bar as soon as the page reads it.
  await expect(page).toHaveURL(/\/bootstrap$/);

  const { recoveryKey, backupPath } = await createKeyThroughUi(page, 'Ana Admin', '482915');
  expect(recoveryKey).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{1,4}){7}$/);
  await expect(page.getByRole('heading', { name: 'Hello, Ana Admin' })).toBeVisible();
  await expect(page.getByTestId('my-roles')).toContainText('admin');

  // Lock, then a wrong PIN is refused with a clear message, and the right one opens.
  await page.getByRole('button', { name: 'Lock' }).click();
  await page.getByLabel('PIN').fill('000000');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toContainText(/wrong PIN/i);
  await page.reload();
  await page.getByLabel('PIN').fill('482915');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'Hello, Ana Admin' })).toBeVisible();

  // A used bootstrap link does not work twice: it is refused before any name, PIN or key.
  const second = await browser.newContext();
  const other = await second.newPage();
  await other.goto(hotline.bootstrapLink);
  await expect(other.getByRole('alert')).toBeVisible();
  await expect(other.getByLabel(/your name/i)).toHaveCount(0);
  await second.close();

  // Restore on a new device from the backup file and the recovery key, with a new PIN.
  const device = await browser.newContext();
  const fresh = await device.newPage();
  await fresh.goto(`${hotline.url}/restore`);
  await fresh.getByLabel('Backup file').setInputFiles(backupPath);
  await fresh.getByLabel('Recovery key', { exact: true }).fill(recoveryKey.toLowerCase());
  await fresh.getByLabel('New PIN (digits only)').fill('246810');
  await fresh.getByRole('button', { name: 'Restore' }).click();
  await expect(fresh.getByRole('heading', { name: 'Hello, Ana Admin' })).toBeVisible();
  await device.close();

  expect(consoleErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
});

test('Spanish and Arabic: the app follows the chosen language and direction', async ({ page, hotline }) => {
  await page.goto(hotline.url);
  await page.getByLabel('Language').selectOption('es');
  await expect(page.getByRole('link', { name: 'Restaurar desde respaldo' })).toBeVisible();
  await page.getByLabel('Idioma').selectOption('ar');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
});
