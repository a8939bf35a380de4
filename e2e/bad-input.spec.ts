import { createKeyThroughUi, expect, test } from './fixtures.js';
import {
  ADMIN_PIN,
  bootstrapAdmin,
  createInviteLink,
  editBackup,
  flipChar,
  navLink,
  unexpected,
  VOLUNTEER_PIN,
} from './helpers.js';

const VAULT_KEY = 'llamenos.vault.v1';

test('damaged and foreign backups are refused clearly; wrong PINs stay counted across reloads', async ({
  page,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(120_000);
  const { backupPath, recoveryKey } = await bootstrapAdmin(page, hotline);

  await test.step('backups that were altered or belong to another hotline', async () => {
    const deviceContext = await browser.newContext();
    const device = await deviceContext.newPage();
    await device.goto(`${hotline.url}/restore`);
    const alert = device.getByRole('alert');

    // A character of the PIN lock's key id changed: caught as soon as the file is chosen.
    const keyIdFlipped = editBackup(
      backupPath,
      (b) => {
        b.pinLock = flipChar(b.pinLock as string, 36);
      },
      'key-id',
    );
    await device.getByLabel('Backup file').setInputFiles(keyIdFlipped);
    await expect(alert).toContainText(
      'This file is not a Llamenos key backup, or it was damaged or altered.',
    );
    await expect(device.getByRole('button', { name: 'Restore' })).toBeDisabled();

    // Not JSON at all.
    await device.getByLabel('Backup file').setInputFiles({
      name: 'notes.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"format": "llamenos-key-backup", '),
    });
    await expect(alert).toContainText('not a Llamenos key backup');

    // The same backup, said to belong to another hotline.
    const foreign = editBackup(
      backupPath,
      (b) => {
        b.hotline = 'https://other-hotline.example';
      },
      'foreign',
    );
    await device.getByLabel('Backup file').setInputFiles(foreign);
    await expect(alert).toHaveText(/This backup belongs to another hotline\./);
    await expect(device.getByRole('button', { name: 'Restore' })).toBeDisabled();

    // The encrypted part altered: only the PIN can tell, and the message says both causes.
    const sealFlipped = editBackup(
      backupPath,
      (b) => {
        b.pinLock = flipChar(b.pinLock as string, -8);
      },
      'sealed',
    );
    await device.getByLabel('Backup file').setInputFiles(sealFlipped);
    await expect(alert).toHaveCount(0);
    await device.getByLabel('With my old PIN').check();
    await device.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
    await device.getByRole('button', { name: 'Restore' }).click();
    await expect(alert).toContainText('Wrong PIN, or the backup file was altered. Nothing was restored.');
    // Nothing was half-saved: this device still has no key.
    expect(await device.evaluate((k) => localStorage.getItem(k), VAULT_KEY)).toBeNull();
    await device.reload();
    await expect(device.getByRole('heading', { name: 'Restore your key' })).toBeVisible();
    await device.goto(hotline.url);
    await expect(device.getByRole('heading', { name: /^Welcome to / })).toBeVisible();

    // A wrong recovery key.
    await device.goto(`${hotline.url}/restore`);
    await device.getByLabel('Backup file').setInputFiles(backupPath);
    await device.getByLabel('Recovery key', { exact: true }).fill(flipChar(recoveryKey, 2));
    await device.getByLabel('New PIN (digits only)').fill('246810');
    await device.getByRole('button', { name: 'Restore' }).click();
    await expect(alert).toContainText('The recovery key is wrong, or has a typo.');
    expect(await device.evaluate((k) => localStorage.getItem(k), VAULT_KEY)).toBeNull();
    await deviceContext.close();
  });

  await test.step('five wrong PINs make the app wait, and a reload does not reset that', async () => {
    await page.getByRole('button', { name: 'Lock' }).click();
    const pin = page.getByLabel('PIN', { exact: true });
    const unlock = page.getByRole('button', { name: 'Unlock', exact: true });
    for (let attempt = 1; attempt <= 5; attempt++) {
      await pin.fill(`00000${attempt}`);
      await unlock.click();
      await expect(page.getByRole('alert')).toHaveText(
        attempt === 1 ? 'Wrong PIN (1 failed attempt).' : `Wrong PIN (${attempt} failed attempts).`,
      );
    }
    const wait = page.getByRole('status').filter({ hasText: /You can try again in \d+ seconds\./ });
    await expect(wait).toBeVisible();
    await expect(unlock).toBeDisabled();

    await page.reload();
    await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible();
    await expect(wait).toBeVisible();
    await expect(page.getByRole('button', { name: 'Unlock', exact: true })).toBeDisabled();
    const stored = await page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? '{}'), VAULT_KEY);
    expect(stored.failures).toBe(5);
    expect(stored.lockedUntil).toBeGreaterThan(Date.now());
    // Even the right PIN is not tried before the wait is over (submitting by Enter too).
    await page.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
    await page.getByLabel('PIN', { exact: true }).press('Enter');
    await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible();
  });

  expect(consoleErrors).toEqual([]);
});

test('edited invite links are refused; a lost connection while joining saves nothing and can be retried', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(120_000);
  await bootstrapAdmin(admin, hotline);
  const link = await createInviteLink(admin, 'Vera Volunteer');
  const volunteerContext = await browser.newContext();
  const volunteer = await volunteerContext.newPage();
  // The link's status is checked before anything is asked, and the refusal says which case it is.
  const invalid = 'This link is not valid. Check that it was copied whole, or ask your admin for a new one.';
  const used = 'This link was already used, so it cannot make another account.';

  await test.step('an edited link', async () => {
    const [base, code = ''] = link.split('#');
    await volunteer.goto(`${base}#${flipChar(code, 5)}`);
    await expect(volunteer.getByRole('alert')).toContainText(invalid);
    await expect(volunteer.getByLabel(/your name/i)).toHaveCount(0);
    // A link cut short, opened afresh: a link pasted over another in the same tab changes only the
    // fragment and reloads the page, and the old page shows the same refusal until the new one is
    // up, so a check there could pass early and leave that reload to land in the next step.
    await volunteer.goto('about:blank');
    await volunteer.goto(`${base}#${code.slice(0, 10)}`);
    await expect(volunteer.getByRole('alert')).toContainText(invalid);
  });

  await test.step('the server becomes unreachable just as the key is registered', async () => {
    await volunteer.route('**/api/invites/redeem', (route) => route.abort());
    await volunteer.goto('about:blank');
    await volunteer.goto(link);
    await expect(volunteer.getByLabel(/your name/i)).toBeVisible();
    await createKeyThroughUi(volunteer, 'Vera Volunteer', VOLUNTEER_PIN);
    await expect(volunteer.getByRole('alert')).toHaveText(
      'The server could not be reached. Nothing was saved; try again.',
    );
    const retry = volunteer.getByRole('button', { name: 'Try again' });
    await expect(retry).toBeVisible();

    // Nothing was created on the server meanwhile.
    await navLink(admin, 'Volunteers').click();
    await expect(admin.getByRole('rowheader')).toHaveCount(1);

    await volunteer.unroute('**/api/invites/redeem');
    await retry.click();
    await expect(volunteer.getByRole('heading', { name: 'Hello, Vera Volunteer' })).toBeVisible();
  });

  await test.step('exactly one member was created, and the link is now used up', async () => {
    await navLink(admin, 'Dashboard').click();
    await navLink(admin, 'Volunteers').click();
    await expect(admin.getByRole('rowheader')).toHaveText(['Ana Admin', 'Vera Volunteer']);
    await expect(admin.getByRole('caption')).toHaveText('2 members');
    await navLink(admin, 'Invites').click();
    await expect(admin.getByRole('row', { name: /Vera Volunteer/ })).toContainText('Accepted');

    const againContext = await browser.newContext();
    const again = await againContext.newPage();
    await again.goto(link);
    await expect(again.getByRole('alert')).toContainText(used);
    await expect(again.getByLabel(/your name/i)).toHaveCount(0);
    await againContext.close();
  });
  await volunteerContext.close();

  expect(
    unexpected(
      consoleErrors,
      // the edited and the shortened code (unknown: 404, malformed: 400), the used one (410)
      /status of 40[04] .* @ http:\S+\/api\/invites\/preview$/,
      /status of 410 .* @ http:\S+\/api\/invites\/preview$/,
      // the deliberately cut connection
      /net::ERR_FAILED @ http:\S+\/api\/invites\/redeem$/,
    ),
  ).toEqual([]);
});
