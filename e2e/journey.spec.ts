import type { Page } from '@playwright/test';
import { createKeyThroughUi, expect, test } from './fixtures.js';
import {
  ADMIN_PIN,
  bootstrapAdmin,
  createInviteLink,
  lockAndUnlock,
  navLink,
  VOLUNTEER_PIN,
} from './helpers.js';

// The whole life of a small hotline, each person in their own browser context (their own
// device): the first admin, a volunteer who joins by invite, and the volunteer's new device.
test('bootstrap → invite → onboarding → lock/unlock → restore → settings → audit log', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(120_000);

  await test.step('the first admin bootstraps the hotline', async () => {
    await bootstrapAdmin(admin, hotline);
    await expect(admin.getByTestId('my-roles')).toContainText('admin');
    await expect(navLink(admin, 'Audit log')).toBeVisible();
  });

  const link = await test.step('the admin invites a volunteer', () =>
    createInviteLink(admin, 'Vera Volunteer'));
  await expect(admin.getByRole('row', { name: /Vera Volunteer/ })).toContainText('Pending');

  const volunteerContext = await browser.newContext();
  const volunteer = await volunteerContext.newPage();
  const { recoveryKey, backupPath } = await test.step('the volunteer joins in another browser', async () => {
    await volunteer.goto(link);
    await expect(volunteer.getByRole('heading', { name: /^Join / })).toBeVisible();
    // The code leaves the address bar as soon as it is read.
    await expect(volunteer).toHaveURL(/\/invite$/);
    await expect(volunteer.getByLabel(/your name/i)).toHaveValue('Vera Volunteer');
    const created = await createKeyThroughUi(volunteer, 'Vera Volunteer', VOLUNTEER_PIN);
    await expect(volunteer.getByRole('heading', { name: 'Hello, Vera Volunteer' })).toBeVisible();
    await expect(volunteer.getByTestId('my-roles')).toContainText('volunteer');
    // A volunteer sees no admin screens.
    await expect(navLink(volunteer, 'My settings')).toBeVisible();
    await expect(navLink(volunteer, 'Volunteers')).toHaveCount(0);
    await expect(navLink(volunteer, 'Audit log')).toHaveCount(0);
    return created;
  });

  await test.step('the volunteer locks and unlocks with the PIN, also after a reload', async () => {
    await lockAndUnlock(volunteer, VOLUNTEER_PIN, 'Vera Volunteer');
    await volunteer.reload();
    await expect(volunteer.getByRole('heading', { name: 'Unlock' })).toBeVisible();
    await volunteer.getByLabel('PIN', { exact: true }).fill(VOLUNTEER_PIN);
    await volunteer.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(volunteer.getByRole('heading', { name: 'Hello, Vera Volunteer' })).toBeVisible();
  });

  await test.step('the volunteer restores the key on a new device (a third context)', async () => {
    const deviceContext = await browser.newContext();
    const device = await deviceContext.newPage();
    await device.goto(hotline.url);
    await expect(device.getByRole('heading', { name: /^Welcome to / })).toBeVisible();
    await device.getByRole('link', { name: 'Restore from backup' }).click();
    await expect(device.getByRole('heading', { name: 'Restore your key' })).toBeVisible();
    await device.getByLabel('Backup file').setInputFiles(backupPath);
    await device.getByLabel('Recovery key', { exact: true }).fill(recoveryKey);
    await device.getByLabel('New PIN (digits only)').fill('975310');
    await device.getByRole('button', { name: 'Restore' }).click();
    await expect(device.getByRole('heading', { name: 'Hello, Vera Volunteer' })).toBeVisible();
    await lockAndUnlock(device, '975310', 'Vera Volunteer');
    await deviceContext.close();
  });
  await volunteerContext.close();

  await test.step('the admin sees the volunteer and edits the hotline settings', async () => {
    await navLink(admin, 'Volunteers').click();
    const row = admin.getByRole('row', { name: /Vera Volunteer/ });
    // The roles column names the role as the admin console shows it.
    await expect(row.getByRole('cell').first()).toHaveText('Volunteer');
    await expect(row).toContainText('Active');
    await expect(admin.getByRole('table')).toHaveCount(1);
    await expect(admin.getByRole('rowheader')).toHaveCount(2);

    await navLink(admin, 'Settings').click();
    await expect(admin.getByRole('heading', { name: 'Hotline settings', level: 1 })).toBeVisible();
    const general = admin.getByRole('form', { name: 'General' });
    await general.getByLabel('Hotline name').fill('Línea Norte');
    await general.getByRole('button', { name: 'Save General' }).click();
    await expect(general.getByRole('status')).toHaveText('Saved.');
    const security = admin.getByRole('form', { name: 'Security' });
    await security.getByLabel(/idle minutes/).fill('20');
    await security.getByRole('button', { name: 'Save Security' }).click();
    await expect(security.getByRole('status')).toHaveText('Saved.');

    // The change is stored: after a reload (which locks the key) the header shows the new name.
    await admin.reload();
    await admin.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
    await admin.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(admin.getByRole('banner')).toContainText('Línea Norte');
  });

  await test.step('the audit log lists each step and its chain verifies', async () => {
    await navLink(admin, 'Audit log').click();
    const table = admin.getByRole('table');
    for (const action of [
      'identity.bootstrap',
      'identity.invite-created',
      'identity.invite-redeemed',
      'settings.changed',
    ]) {
      await expect(table.getByRole('cell', { name: action, exact: true }).first()).toBeVisible();
    }
    await expect(table.getByRole('cell', { name: 'settings.changed', exact: true })).toHaveCount(2);
    // The redemption is attributed to the volunteer, the invite to the admin.
    await expect(admin.getByRole('row', { name: /identity\.invite-redeemed/ })).toContainText(
      'Vera Volunteer',
    );
    await expect(admin.getByRole('row', { name: /identity\.invite-created/ })).toContainText('Ana Admin');

    await admin.getByLabel('Action starts with').fill('identity.invite');
    await admin.getByRole('button', { name: 'Apply filters' }).click();
    await expect(table.getByRole('row')).toHaveCount(3); // header + created + redeemed

    await admin.getByRole('button', { name: 'Verify chain' }).click();
    await expect(admin.getByRole('status').filter({ hasText: 'intact' })).toContainText(
      /The chain is intact: \d+ entries checked\./,
    );
  });

  expect(consoleErrors).toEqual([]);
});

/** The key setup and recovery steps, in Spanish. */
async function createKeyInSpanish(page: Page, name: string, pin: string) {
  await page.getByLabel('Tu nombre tal como lo verán los demás').fill(name);
  await page.getByLabel('PIN (solo dígitos)').fill(pin);
  await page.getByLabel('Repite el PIN').fill(pin);
  await page.getByRole('button', { name: 'Crear mi llave' }).click();
  await expect(page.getByTestId('recovery-key')).toBeVisible({ timeout: 60_000 });
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Descargar archivo de respaldo' }).click();
  await download;
  await page.getByLabel('Anoté la clave de recuperación y guardé el archivo de respaldo').check();
  await page.getByRole('button', { name: 'Continuar' }).click();
  await expect(page.getByRole('heading', { name: `Hola, ${name}` })).toBeVisible();
}

test('en español: bootstrap and onboard a volunteer, with no console errors', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  await admin.goto(hotline.bootstrapLink);
  await admin.getByLabel('Language').selectOption('es');
  await expect(
    admin.getByRole('heading', { name: 'Crear la primera cuenta de administración' }),
  ).toBeVisible();
  await createKeyInSpanish(admin, 'Ana Admin', ADMIN_PIN);

  await admin
    .getByRole('navigation', { name: 'Principal' })
    .getByRole('link', { name: 'Invitaciones' })
    .click();
  await admin.getByLabel('Su nombre').fill('Vera Voluntaria');
  await admin.getByRole('button', { name: 'Crear enlace de invitación' }).click();
  const link = await admin.getByLabel('Enlace de invitación', { exact: true }).inputValue();
  await admin.getByRole('button', { name: 'Ya lo envié' }).click();

  const context = await browser.newContext();
  const volunteer = await context.newPage();
  await volunteer.goto(link);
  await volunteer.getByLabel('Language').selectOption('es');
  await expect(volunteer.getByRole('heading', { name: /^Únete a / })).toBeVisible();
  await createKeyInSpanish(volunteer, 'Vera Voluntaria', VOLUNTEER_PIN);
  await expect(volunteer.getByTestId('my-roles')).toContainText('Tus roles:');
  await context.close();

  await admin
    .getByRole('navigation', { name: 'Principal' })
    .getByRole('link', { name: 'Voluntarios' })
    .click();
  await expect(admin.getByRole('rowheader')).toHaveText(['Ana Admin', 'Vera Voluntaria']);
  expect(consoleErrors).toEqual([]);
});
