import type { Browser, Page } from '@playwright/test';
import { runAxe, seriousViolations } from './axe.js';
import { createKeyThroughUi, expect, type Hotline, test } from './fixtures.js';
import { bootstrapAdmin, createInviteLink } from './helpers.js';

const PIN = '135790';

/** A device of its own (a fresh browser profile) with one tab. */
async function device(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

/** Serious and critical axe violations on the screens this spec adds (resume, resumed recovery, refusal). */
async function axeViolations(page: Page): Promise<string[]> {
  const results = await runAxe(page, ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  expect(results.passes.length).toBeGreaterThan(10);
  return seriousViolations(results);
}

const storedVault = (page: Page) => page.evaluate(() => localStorage.getItem('llamenos.vault.v1'));

/** Up to the recovery step: name, PIN, the key made and its recovery key shown. */
async function makeKey(page: Page, name: string): Promise<string> {
  await page.getByLabel(/your name/i).fill(name);
  await page.getByLabel(/^PIN \(digits only\)/i).fill(PIN);
  await page.getByLabel(/^PIN again/i).fill(PIN);
  await page.getByRole('button', { name: /create my key/i }).click();
  return (await page.getByTestId('recovery-key').textContent({ timeout: 60_000 }))?.trim() ?? '';
}

async function adminWithInvites(page: Page, hotline: Hotline, ...names: string[]): Promise<string[]> {
  await bootstrapAdmin(page, hotline);
  const links: string[] = [];
  for (const name of names) links.push(await createInviteLink(page, name));
  return links;
}

test('reload, back and forward at every step resume the same key; the used link is then refused', async ({
  page,
  browser,
  hotline,
}) => {
  const [link] = await adminWithInvites(page, hotline, 'Vera Volunteer');
  const vera = await device(browser);
  const setupForm = () => expect(vera.getByLabel(/your name/i)).toHaveValue('Vera Volunteer');

  await test.step('before the key exists, a reload and back/forward keep the link working', async () => {
    await vera.goto(link!);
    await setupForm();
    await expect(vera).toHaveURL(/\/invite$/);
    await vera.reload();
    await setupForm();
    await vera.goBack();
    await vera.goForward();
    await setupForm();
    await expect(vera.getByText(/no code in it/i)).toHaveCount(0);
  });

  const recoveryKey = await makeKey(vera, 'Vera Volunteer');
  const keyBefore = await storedVault(vera);
  expect(keyBefore).toBeTruthy();

  await test.step('after the key exists, a reload asks for the PIN and keeps the same key', async () => {
    await vera.reload();
    await expect(vera.getByRole('heading', { name: 'Finish joining' })).toBeVisible();
    await expect(vera.getByTestId('recovery-key')).toHaveCount(0);
    await vera.goBack();
    await vera.goForward();
    await expect(vera.getByRole('heading', { name: 'Finish joining' })).toBeVisible();
    // The hotline's address resumes the join rather than asking to unlock a key that is no member's.
    await vera.goto(hotline.url);
    await expect(vera.getByRole('heading', { name: 'Finish joining' })).toBeVisible();
    await expect(vera.getByRole('heading', { name: 'Unlock' })).toHaveCount(0);
    // The link opened again resumes too, rather than making a second key.
    await vera.goto(link!);
    await expect(vera.getByRole('heading', { name: 'Finish joining' })).toBeVisible();
    expect(await axeViolations(vera)).toEqual([]);
    await vera.getByLabel('PIN', { exact: true }).fill('000000');
    await vera.getByRole('button', { name: 'Go on' }).click();
    await expect(vera.getByRole('alert')).toContainText(/wrong PIN/i);
    await vera.getByLabel('PIN', { exact: true }).fill(PIN);
    await vera.getByRole('button', { name: 'Go on' }).click();
    await expect(vera.getByTestId('recovery-resumed')).toBeVisible();
    expect(await axeViolations(vera)).toEqual([]);
    expect(await storedVault(vera)).toBe(keyBefore);
  });

  const backupPath = await test.step('the backup is saved and the key registered', async () => {
    const download = vera.waitForEvent('download');
    await vera.getByRole('button', { name: /download backup/i }).click();
    const path = test.info().outputPath('vera-backup.json');
    await (await download).saveAs(path);
    await vera.getByLabel(/i wrote down/i).check();
    await vera.getByRole('button', { name: /continue/i }).click();
    await expect(vera.getByRole('heading', { name: 'Hello, Vera Volunteer' })).toBeVisible();
    return path;
  });

  await test.step('the recovery key shown before the reloads opens that backup', async () => {
    const other = await device(browser);
    await other.goto(`${hotline.url}/restore`);
    await other.getByLabel('Backup file').setInputFiles(backupPath);
    await other.getByLabel('Recovery key', { exact: true }).fill(recoveryKey);
    await other.getByLabel('New PIN (digits only)').fill('246810');
    await other.getByRole('button', { name: 'Restore' }).click();
    await expect(other.getByRole('heading', { name: 'Hello, Vera Volunteer' })).toBeVisible();
    await other.context().close();
  });

  await test.step('the used link, opened again, is refused at once and the member keeps her key', async () => {
    await vera.goto(link!);
    await expect(vera.getByRole('alert')).toContainText(/already used/i);
    await expect(vera.getByText(/has been removed/i)).toHaveCount(0);
    expect(await storedVault(vera)).toBe(keyBefore);

    const stranger = await device(browser);
    await stranger.goto(link!);
    await expect(stranger.getByRole('alert')).toContainText(/already used/i);
    await expect(stranger.getByLabel(/your name/i)).toHaveCount(0);
    expect(await axeViolations(stranger)).toEqual([]);
    expect(await storedVault(stranger)).toBeNull();
    await stranger.context().close();
  });
});

test('a key left by a join whose link was used elsewhere is removed; a used bootstrap link is refused first', async ({
  page,
  browser,
  hotline,
}) => {
  const [link] = await adminWithInvites(page, hotline, 'Walter');
  const first = await device(browser);
  await first.goto(link!);
  await makeKey(first, 'Walter');
  expect(await storedVault(first)).toBeTruthy();

  // The same link finished on another device takes the invite.
  const second = await device(browser);
  await second.goto(link!);
  await createKeyThroughUi(second, 'Walter', PIN);
  await expect(second.getByRole('heading', { name: 'Hello, Walter' })).toBeVisible();

  await first.reload();
  await expect(first.getByRole('alert')).toContainText(/already used/i);
  await expect(first.getByRole('alert')).toContainText(/has been removed/i);
  expect(await storedVault(first)).toBeNull();

  const late = await device(browser);
  await late.goto(hotline.bootstrapLink);
  await expect(late.getByRole('alert')).toContainText(/already used/i);
  await expect(late.getByLabel(/your name/i)).toHaveCount(0);
  expect(await storedVault(late)).toBeNull();
});
