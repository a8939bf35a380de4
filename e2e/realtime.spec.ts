import type { Page } from '@playwright/test';
import { createKeyThroughUi, expect, test } from './fixtures.js';
import { bootstrapAdmin, createInviteLink, navLink, VOLUNTEER_PIN } from './helpers.js';

/** Every WebSocket frame a page sends or receives, as text. */
function recordFrames(page: Page): string[] {
  const frames: string[] = [];
  page.on('websocket', (ws) => {
    const keep = (frame: { payload: string | Buffer }) =>
      frames.push(typeof frame.payload === 'string' ? frame.payload : frame.payload.toString('utf8'));
    ws.on('framesent', keep);
    ws.on('framereceived', keep);
  });
  return frames;
}

const onlinePanel = (page: Page) => page.getByRole('region', { name: 'Who is online' });
const presenceOf = (page: Page, name: string) =>
  onlinePanel(page).getByRole('listitem').filter({ hasText: name });

// Two people on two devices: the admin sees the volunteer come online, go on a break and leave;
// the volunteer sees the admin's settings change live. The relay carries only ciphertext.
test('presence and server events reach both browsers live, encrypted on the wire', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(120_000);

  await test.step('the admin bootstraps and is connected', async () => {
    await bootstrapAdmin(admin, hotline);
    await expect(admin.getByTestId('live-status')).toHaveAttribute('data-status', 'connected');
    await expect(admin.getByTestId('live-status')).toHaveText('Live updates on');
    // The admin hears their own announcement.
    await expect(presenceOf(admin, 'Ana Admin')).toContainText('Available');
  });

  const link = await test.step('the admin invites a volunteer', () =>
    createInviteLink(admin, 'Vera Volunteer'));
  await navLink(admin, 'Dashboard').click();
  await expect(onlinePanel(admin)).toBeVisible();

  const volunteerContext = await browser.newContext();
  volunteerContext.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`volunteer: ${m.text()}`);
  });
  volunteerContext.on('weberror', (e) => consoleErrors.push(`volunteer: ${e.error().message}`));
  const volunteer = await volunteerContext.newPage();
  const frames = recordFrames(volunteer);

  await test.step('the volunteer onboards and both see each other online', async () => {
    await volunteer.goto(link);
    await createKeyThroughUi(volunteer, 'Vera Volunteer', VOLUNTEER_PIN);
    await expect(volunteer.getByRole('heading', { name: 'Hello, Vera Volunteer' })).toBeVisible();
    await expect(volunteer.getByTestId('live-status')).toHaveAttribute('data-status', 'connected');
    await expect(presenceOf(admin, 'Vera Volunteer')).toContainText('Available', { timeout: 5_000 });
    // The admin stays listed too: the admin's client announced itself when the volunteer arrived.
    await expect(presenceOf(admin, 'Ana Admin')).toContainText('Available');
    // A volunteer has no member list, so no presence panel.
    await expect(onlinePanel(volunteer)).toHaveCount(0);
  });

  await test.step('the volunteer takes a break and the admin sees it', async () => {
    await navLink(volunteer, 'My settings').click();
    await volunteer.getByLabel('I am on a break (send me no calls)').check();
    const profile = volunteer.getByRole('form', { name: 'Profile' });
    await profile.getByRole('button', { name: 'Save' }).click();
    await expect(profile.getByRole('status')).toHaveText('Saved.');
    await expect(presenceOf(admin, 'Vera Volunteer')).toContainText('On a break', { timeout: 5_000 });
  });

  await test.step('the admin renames the hotline and the volunteer header follows without reload', async () => {
    await volunteer.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await navLink(admin, 'Settings').click();
    const general = admin.getByRole('form', { name: 'General' });
    await general.getByLabel('Hotline name').fill('Línea Norte');
    await general.getByRole('button', { name: 'Save General' }).click();
    await expect(general.getByRole('status')).toHaveText('Saved.');
    await expect(volunteer.getByRole('banner')).toContainText('Línea Norte', { timeout: 5_000 });
    expect(await volunteer.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
  });

  await test.step('the volunteer locks and the admin sees them leave', async () => {
    await navLink(admin, 'Dashboard').click();
    await expect(presenceOf(admin, 'Vera Volunteer')).toContainText('On a break');
    await volunteer.getByRole('button', { name: 'Lock' }).click();
    await expect(volunteer.getByRole('heading', { name: 'Unlock' })).toBeVisible();
    await expect(volunteer.getByTestId('live-status')).toHaveCount(0);
    await expect(presenceOf(admin, 'Vera Volunteer')).toHaveCount(0, { timeout: 5_000 });
    await expect(presenceOf(admin, 'Ana Admin')).toContainText('Available');
  });

  await test.step('the relay frames carry no plaintext', async () => {
    const events = frames.filter((f) => f.startsWith('["EVENT"'));
    // The volunteer published presence and received the admin's and the server's events.
    expect(events.length).toBeGreaterThan(3);
    expect(frames.some((f) => f.startsWith('["AUTH"'))).toBe(true);
    // Exact strings: the content is base64url, so a short or case-folded word could occur by chance.
    const secrets = [
      'Línea Norte',
      'Vera Volunteer',
      'Ana Admin',
      'presence',
      'available',
      'on-break',
      'settings:changed',
    ];
    for (const frame of frames) {
      for (const secret of secrets) expect(frame, `a relay frame contains "${secret}"`).not.toContain(secret);
    }
  });

  await volunteerContext.close();
  expect(consoleErrors).toEqual([]);
});
