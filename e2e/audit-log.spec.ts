import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures.js';
import { bootstrapAdmin, createInviteLink, navLink } from './helpers.js';

// Names in sentences are isolated (U+2068 … U+2069) so a name in another script keeps its place.
const ISO = '[\\u2068\\u2069]?';

test('the audit log reads as sentences in English and Arabic; wiping the device needs the typed word', async ({
  page: admin,
  hotline,
}) => {
  test.setTimeout(90_000);
  await bootstrapAdmin(admin, hotline);
  await createInviteLink(admin, 'Vera Volunteer');

  await test.step('filtered by one action, the entry is a sentence naming the admin', async () => {
    await navLink(admin, 'Audit log').click();
    await admin.getByLabel('Action starts with').fill('identity.invite-created');
    await admin.getByRole('button', { name: 'Apply filters' }).click();
    const table = admin.getByRole('table');
    await expect(table.getByRole('row')).toHaveCount(2); // header + the one invitation
    const row = table.getByRole('row').nth(1);
    await expect(row).toContainText(new RegExp(`${ISO}Ana Admin${ISO} created an invitation`));
    await expect(row.getByRole('cell', { name: 'identity.invite-created', exact: true })).toBeVisible();
  });

  await test.step('the raw entry is one click away, and the page exports as CSV and JSON lines', async () => {
    const row = admin.getByRole('table').getByRole('row').nth(1);
    await expect(row.locator('pre')).toBeHidden();
    await row.getByText('Raw entry').click();
    await expect(row.locator('pre')).toContainText('"action": "identity.invite-created"');
    await expect(row.locator('pre')).toContainText('"hash"');

    const [csv] = await Promise.all([
      admin.waitForEvent('download'),
      admin.getByRole('button', { name: 'Export as CSV' }).click(),
    ]);
    const csvText = readFileSync((await csv.path())!, 'utf8');
    expect(csvText).toContain('"Ana Admin created an invitation"');
    expect(csvText).toContain('"identity.invite-created"');

    const [jsonl] = await Promise.all([
      admin.waitForEvent('download'),
      admin.getByRole('button', { name: 'Export raw entries (JSON lines)' }).click(),
    ]);
    const lines = readFileSync((await jsonl.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ action: 'identity.invite-created' });
  });

  await test.step('in Arabic the same entry is an Arabic sentence', async () => {
    await admin.getByLabel('Language').selectOption('ar');
    await expect(admin.locator('html')).toHaveAttribute('dir', 'rtl');
    const row = admin.getByRole('table').getByRole('row').nth(1);
    await expect(row).toContainText(new RegExp(`أنشأ ${ISO}Ana Admin${ISO} دعوة`));
    await admin.getByLabel('اللغة').selectOption('en');
    await expect(admin.locator('html')).toHaveAttribute('dir', 'ltr');
  });

  await test.step('Wipe this device is not in the header; in My settings it needs the typed word', async () => {
    await expect(admin.getByRole('banner').getByRole('button', { name: 'Wipe this device' })).toHaveCount(0);
    await navLink(admin, 'My settings').click();
    const zone = admin.getByRole('region', { name: 'Danger zone' });
    await zone.getByRole('button', { name: 'Wipe this device' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Wipe this device' });
    const confirm = dialog.getByRole('button', { name: 'Wipe this device now' });
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel('Type WIPE to confirm').fill('wipe it');
    await expect(confirm).toBeDisabled();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
  });

  await test.step('the keyboard shortcut opens the same confirmation, and the typed word wipes', async () => {
    await admin.keyboard.press('Control+Alt+Shift+W');
    const dialog = admin.getByRole('dialog', { name: 'Wipe this device' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Type WIPE to confirm').fill('WIPE');
    await dialog.getByRole('button', { name: 'Wipe this device now' }).click();
    await expect(navLink(admin, 'My settings')).toHaveCount(0);
    await expect(admin).toHaveURL(`${hotline.url}/`);
    await expect(admin.getByRole('heading', { name: 'Unlock' })).toHaveCount(0);
    expect(await admin.evaluate(() => localStorage.length)).toBe(0);
  });
});
