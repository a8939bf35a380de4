import { readFileSync, writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, type Hotline, test } from './fixtures.js';
import { ADMIN_PIN, bootstrapAdmin, unexpected } from './helpers.js';

/**
 * Issue 10, the sealed conversation export: an admin exports a conversation to a file that
 * stays sealed at rest (nothing of it readable but its header), then opens it again on the
 * inbox page with the PIN, and reads the transcript decrypted in the browser. A cut file is
 * refused with its own sentence.
 */

const CONTACT = '+15550147788';
const FIRST = 'Is anyone there? I do not feel safe at home';
const SECOND = 'I can only text, not call';

const messagesLink = (page: Page) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' });

async function text(hotline: Hotline, body: string): Promise<void> {
  const response = await fetch(`${hotline.url}/api/simulator/texts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'sms', from: CONTACT, body }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

test('an admin exports a conversation sealed for their key and opens the export again', async ({
  page: admin,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(120_000);
  await bootstrapAdmin(admin, hotline);
  // Nobody is on shift: the conversation waits in the queue, sealed for the admin.
  await text(hotline, FIRST);
  await text(hotline, SECOND);

  await messagesLink(admin).click();
  const link = admin.getByRole('link', { name: 'SMS · …7788' }).first();
  await expect(link).toBeVisible();
  await link.click();
  await expect(admin.getByTestId('message-list').getByTestId('message-in')).toHaveCount(2);
  await expect(admin.getByTestId('message-list')).toContainText(FIRST);

  const file = test.info().outputPath('conversation.llamenos-conversation');
  await test.step('the export is a sealed file: only its header is readable', async () => {
    const downloading = admin.waitForEvent('download');
    await admin.getByRole('button', { name: 'Export (sealed)' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(
      /^conversation-[0-9a-f]{8}-\d{4}-\d{2}-\d{2}\.llamenos-conversation$/,
    );
    await expect(admin.getByTestId('conversation-export-done')).toContainText('Exported');
    await download.saveAs(file);
    const bytes = readFileSync(file);
    const newline = bytes.indexOf(0x0a);
    const header = JSON.parse(bytes.subarray(0, newline).toString('utf8'));
    expect(Object.keys(header).sort()).toEqual([
      'createdAt',
      'exportId',
      'format',
      'reader',
      'version',
      'wrap',
    ]);
    expect(header).toMatchObject({ format: 'llamenos-conversation-export', version: 1 });
    for (const secret of [FIRST, SECOND, '7788', 'twilio']) expect(bytes.includes(secret)).toBe(false);
  });

  await test.step('Open export, with the PIN: the transcript, decrypted in the browser', async () => {
    await messagesLink(admin).click();
    await expect(admin.getByRole('heading', { name: 'Open a conversation export' })).toBeVisible();
    const openWith = async (path: string) => {
      await admin.getByLabel('Export file').setInputFiles(path);
      await admin.getByLabel('Your PIN').fill(ADMIN_PIN);
      await admin.getByRole('button', { name: 'Open', exact: true }).click();
    };
    const cut = test.info().outputPath('cut.llamenos-conversation');
    const bytes = readFileSync(file);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
    await openWith(cut);
    await expect(admin.getByRole('alert')).toHaveText(
      'This file is incomplete (cut short); it cannot be opened.',
    );
    await expect(admin.getByTestId('conversation-export-opened')).toHaveCount(0);

    await openWith(file);
    const opened = admin.getByTestId('conversation-export-opened');
    // The contact's two texts and the hotline's two automatic replies (first contact, nobody free).
    await expect(opened.getByRole('status')).toContainText('4 messages');
    await expect(opened.getByTestId('export-message-out')).toHaveCount(2);
    await expect(opened.getByTestId('export-message-in')).toHaveCount(2);
    await expect(opened.getByTestId('export-message-in').first()).toContainText(FIRST);
    await expect(opened.getByTestId('export-message-in').nth(1)).toContainText(SECOND);
    await expect(opened).toContainText('…7788');
  });

  expect(unexpected(consoleErrors)).toEqual([]);
});
