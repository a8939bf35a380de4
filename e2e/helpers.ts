import { readFileSync, writeFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { createKeyThroughUi, expect, type Hotline } from './fixtures.js';

export const ADMIN_PIN = '482915';
export const VOLUNTEER_PIN = '135790';

/** Opens the bootstrap link and creates the first admin; ends on their dashboard. */
export async function bootstrapAdmin(page: Page, hotline: Hotline, name = 'Ana Admin', pin = ADMIN_PIN) {
  await page.goto(hotline.bootstrapLink);
  await expect(page.getByRole('heading', { name: /create the first admin/i })).toBeVisible();
  const created = await createKeyThroughUi(page, name, pin);
  await expect(page.getByRole('heading', { name: `Hello, ${name}` })).toBeVisible();
  return created;
}

/** The member navigation's link of that name. */
export const navLink = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

/** Creates an invite on the Invites page and returns its link (shown once). */
export async function createInviteLink(page: Page, name: string): Promise<string> {
  await navLink(page, 'Invites').click();
  await expect(page.getByRole('heading', { name: 'Invites', level: 1 })).toBeVisible();
  await page.getByLabel('Their name').fill(name);
  await page.getByRole('button', { name: 'Create invite link' }).click();
  await expect(page.getByRole('heading', { name: `Invite link for ${name}` })).toBeFocused();
  const link = await page.getByLabel('Invite link', { exact: true }).inputValue();
  expect(link).toMatch(/\/invite#\S+$/);
  await page.getByRole('button', { name: 'I have sent it' }).click();
  return link;
}

/** Locks, then unlocks with the PIN; ends on the dashboard. */
export async function lockAndUnlock(page: Page, pin: string, name: string) {
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible();
  await page.getByLabel('PIN', { exact: true }).fill(pin);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('heading', { name: `Hello, ${name}` })).toBeVisible();
}

/** Rewrites a saved backup file through `change` and returns the new file's path. */
export function editBackup(file: string, change: (backup: Record<string, unknown>) => void, suffix: string) {
  const backup = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(backup);
  const out = file.replace(/\.json$/, `-${suffix}.json`);
  writeFileSync(out, JSON.stringify(backup, null, 2));
  return out;
}

/** Replaces one base64url character at `index` with a different one. */
export function flipChar(text: string, index: number): string {
  const i = index < 0 ? text.length + index : index;
  const c = text[i];
  return text.slice(0, i) + (c === 'A' ? 'B' : 'A') + text.slice(i + 1);
}

/** Console errors that are not the listed expected ones (each pattern must be specific). */
export const unexpected = (errors: string[], ...expected: RegExp[]) =>
  errors.filter((e) => !expected.some((pattern) => pattern.test(e)));

/** Counts every console error and uncaught page error of `context` against the test, named by `who`. */
export function watchConsole(context: BrowserContext, who: string, errors: string[]) {
  context.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location().url;
    errors.push(`${who}: ${m.text()}${where ? ` @ ${where}` : ''}`);
  });
  context.on('weberror', (e) => errors.push(`${who}: ${e.error().message}`));
}

/** A second browser (its own context: its own key in memory) whose console errors count against the test. */
export async function newMember(browser: Browser, label: string, consoleErrors: string[]): Promise<Page> {
  const context = await browser.newContext();
  watchConsole(context, label, consoleErrors);
  return context.newPage();
}
