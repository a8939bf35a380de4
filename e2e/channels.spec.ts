import type { Page } from '@playwright/test';
import { runAxe, seriousViolations } from './axe.js';
import { createKeyThroughUi, expect, test } from './fixtures.js';
import {
  ADMIN_PIN,
  bootstrapAdmin,
  createInviteLink,
  navLink,
  unexpected,
  VOLUNTEER_PIN,
} from './helpers.js';

/**
 * The admin connects a messaging channel: the URLs to paste at the provider are on screen, the
 * credentials are saved, and after a reload the secret is only "stored (hidden)", kept by an
 * edit that leaves it empty. The text conversations settings are saved beside them. A volunteer
 * cannot open the screen.
 */

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
// Fake credentials: the server stores them sealed and never calls Twilio on save.
const AUTH_TOKEN = 'fake-twilio-token-e2e-7731';

/** Serious and critical axe violations on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  const results = await runAxe(page);
  expect(results.passes.length).toBeGreaterThan(10);
  return seriousViolations(results);
}

const channelsPanel = (page: Page) => page.getByRole('region', { name: 'Messaging channels' });
const twilioCard = (page: Page) => channelsPanel(page).getByRole('article', { name: /^Twilio SMS/ });

async function openSettings(page: Page) {
  await navLink(page, 'Settings').click();
  await expect(page.getByRole('heading', { name: 'Hotline settings', level: 1 })).toBeVisible();
  await expect(twilioCard(page)).toBeVisible();
}

test('an admin connects Twilio SMS, sees the URLs to paste, and the secret stays masked and kept', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(180_000);
  await bootstrapAdmin(admin, hotline);

  await test.step('the Twilio SMS card shows the two URLs to paste at Twilio', async () => {
    await openSettings(admin);
    const card = twilioCard(admin);
    await expect(card.getByText('Not connected')).toBeVisible();
    await expect(card.getByLabel('Twilio SMS: incoming messages URL')).toHaveValue(
      `${hotline.url}/api/messaging/twilio-sms/inbound`,
    );
    await expect(card.getByLabel('Twilio SMS: delivery status URL')).toHaveValue(
      `${hotline.url}/api/messaging/twilio-sms/status`,
    );
    expect(await axeViolations(admin)).toEqual([]);
  });

  await test.step('the form refuses a bad number on its field, then saves', async () => {
    const card = twilioCard(admin);
    await card.getByRole('button', { name: 'Set up Twilio SMS' }).click();
    await card.getByLabel('Account SID').fill(ACCOUNT_SID);
    await card.getByLabel('Auth token').fill(AUTH_TOKEN);
    await card.getByLabel('Phone numbers').fill('555 0100');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect(card.getByRole('alert')).toContainText('E.164');
    expect(await axeViolations(admin)).toEqual([]);
    await card.getByLabel('Phone numbers').fill('+1 555 010 0142');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect(card.getByText('Connected', { exact: true })).toBeVisible();
    await expect(card).toContainText('+15550100142');
    await expect(card).toContainText(ACCOUNT_SID);
    await expect(card).not.toContainText(AUTH_TOKEN);
  });

  await test.step('after a reload the secret is masked; an edit leaving it empty keeps it', async () => {
    await admin.reload();
    await admin.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
    await admin.getByRole('button', { name: 'Unlock', exact: true }).click();
    await openSettings(admin);
    const card = twilioCard(admin);
    await expect(card.getByText('Connected', { exact: true })).toBeVisible();
    await expect(card).toContainText('stored (hidden)');
    await expect(card).not.toContainText(AUTH_TOKEN);
    await card.getByRole('button', { name: 'Edit Twilio SMS' }).click();
    await expect(card.getByLabel('Auth token')).toHaveValue('');
    await expect(card.getByText('Stored. Leave empty to keep the current value.')).toBeVisible();
    await card.getByLabel('Phone numbers').fill('+15550100142\n+15550100143');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect(card).toContainText('+15550100142, +15550100143');
    await expect(card).toContainText('stored (hidden)');
    expect(await axeViolations(admin)).toEqual([]);
  });

  await test.step('removing the channel is asked first', async () => {
    const card = twilioCard(admin);
    await card.getByRole('button', { name: 'Remove Twilio SMS' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Remove the Twilio SMS channel?' });
    await expect(dialog).toBeVisible();
    expect(await axeViolations(admin)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(card.getByText('Connected', { exact: true })).toBeVisible();
  });

  await test.step('the text conversations settings are saved, replies per language', async () => {
    const section = admin.getByRole('form', { name: 'Text conversations' });
    await section.getByLabel('Conversations one volunteer holds at most').fill('5');
    await section
      .getByRole('group', { name: 'First-contact reply (consent and privacy)' })
      .getByLabel('Spanish')
      .fill('Línea confidencial. Responda ALTO para no recibir más mensajes.');
    await section.getByLabel('Stop words').fill('stop, alto, basta');
    await section.getByRole('button', { name: 'Save Text conversations' }).click();
    await expect(section.getByRole('status')).toHaveText('Saved.');
    await admin.reload();
    await admin.getByLabel('PIN', { exact: true }).fill(ADMIN_PIN);
    await admin.getByRole('button', { name: 'Unlock', exact: true }).click();
    await openSettings(admin);
    const reloaded = admin.getByRole('form', { name: 'Text conversations' });
    await expect(reloaded.getByLabel('Conversations one volunteer holds at most')).toHaveValue('5');
    await expect(reloaded.getByLabel('Stop words')).toHaveValue('STOP, ALTO, BASTA');
    expect(await axeViolations(admin)).toEqual([]);
  });

  await test.step('a volunteer cannot reach the screen', async () => {
    const link = await createInviteLink(admin, 'Vera Volunteer');
    const context = await browser.newContext();
    const vera = await context.newPage();
    await vera.goto(link);
    await createKeyThroughUi(vera, 'Vera Volunteer', VOLUNTEER_PIN);
    await expect(vera.getByRole('heading', { name: 'Hello, Vera Volunteer' })).toBeVisible();
    await expect(navLink(vera, 'Settings')).toHaveCount(0);
    await vera.evaluate(() => {
      history.pushState(null, '', '/admin/settings');
      dispatchEvent(new PopStateEvent('popstate'));
    });
    await expect(vera.getByRole('heading', { name: 'Not available', level: 1 })).toBeVisible();
    await expect(channelsPanel(vera)).toHaveCount(0);
    await context.close();
  });

  expect(unexpected(consoleErrors)).toEqual([]);
});
