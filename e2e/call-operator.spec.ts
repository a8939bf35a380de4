import { incomingCard, newMember, onboardOnShift } from './call-audio-helpers.js';
import { expect, test } from './fixtures.js';
import { navLink } from './helpers.js';

/**
 * What the call queue gives the people working it (issue 12): two volunteers ring, one answers
 * and the other's card says who took the call instead of vanishing; the one on the call is
 * "on a call", writes a note from the call card (linked to the call), and after hanging up the
 * card says the note exists; the admin opens the call's page from the history and sees who
 * answered and the note.
 */

const CALLER = '+15551234567';

test('"Taken by" on the other card, a note written from the call card, and the call page', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(120_000);
  const vera = await newMember(browser, 'vera', consoleErrors);
  const victor = await newMember(browser, 'victor', consoleErrors);
  await onboardOnShift(admin, hotline, [
    [vera, 'Vera Volunteer'],
    [victor, 'Victor Volunteer'],
  ]);
  const started = Date.now();

  await test.step("a caller calls; Vera answers and Victor's card says she took it", async () => {
    await navLink(admin, 'Calls').click();
    await admin.getByRole('link', { name: 'Live queue board' }).click();
    const waitingCallers = admin.getByRole('region', { name: 'Waiting callers' });
    await expect(waitingCallers).toContainText('Nobody is waiting.');
    const response = await fetch(`${hotline.url}/api/simulator/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: CALLER }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    for (const page of [vera, victor]) await expect(incomingCard(page)).toBeVisible();
    // The admins' board: the caller waits, first in line, ringing for both.
    const waiting = admin.getByTestId('queue-waiting').getByRole('row').filter({ hasText: '…4567' });
    await expect(waiting).toContainText('Vera Volunteer');
    await expect(waiting).toContainText('Victor Volunteer');
    await incomingCard(vera).getByRole('button', { name: 'Answer' }).click();
    await expect(vera.getByTestId('active-call')).toBeVisible();
    await expect(admin.getByTestId('queue-on-calls')).toContainText('Vera Volunteer');
    await expect(waitingCallers).toContainText('Nobody is waiting.');
    await expect(incomingCard(victor)).toHaveCount(0);
    await expect(victor.getByTestId('taken-by')).toHaveText('Taken by Vera Volunteer');
    await expect(victor.getByTestId('taken-call')).toContainText('…4567');
    // The card goes after a few seconds.
    await expect(victor.getByTestId('taken-call')).toHaveCount(0, { timeout: 8_000 });
    await expect(vera.getByTestId('on-shift-now')).toHaveText(/^You are on a call/);
    await expect(vera.getByTestId('break-state')).toHaveText('On a call');
  });

  const marker = `CALLNOTE-${Math.random().toString(36).slice(2, 10)}`;
  await test.step('Vera writes a note from the call card: it is linked to the call', async () => {
    await vera.getByTestId('active-call').getByRole('link', { name: 'Write a note' }).click();
    await expect(vera.getByRole('heading', { name: 'New note', level: 1 })).toBeVisible();
    await vera.getByLabel('Note', { exact: true }).fill(`${marker} talked it through`);
    await vera.getByRole('button', { name: 'Save note' }).click();
    await expect(vera.getByTestId('note-text')).toHaveText(`${marker} talked it through`);
    await expect(vera.getByTestId('note-call').getByRole('link')).toHaveText(/^Call of /);
    // Still on the call on another screen; hanging up, the card says the note exists.
    await vera.getByTestId('active-call').getByRole('button', { name: 'End call' }).click();
    await expect(vera.getByTestId('ended-call-note')).toHaveAttribute('data-has-note', 'yes');
    await expect(vera.getByTestId('ended-call-note')).toContainText('A note for this call is saved.');
    // Her own call's page: she answered it (nothing about who else rang), and her note.
    await vera.getByTestId('ended-call-note').getByRole('link', { name: 'Call details' }).click();
    await expect(vera.getByTestId('call-answered-by')).toHaveText('You');
    await expect(vera.getByTestId('call-rung')).toHaveCount(0);
    await expect(vera.getByTestId('call-note')).toContainText(marker);
  });

  await test.step('the admin opens the call from the history: who answered, and the note', async () => {
    await navLink(admin, 'Calls').click();
    const row = admin.getByTestId('call-history').getByRole('row').filter({ hasText: '…4567' });
    await expect(row).toContainText('Completed');
    await row.getByRole('link').first().click();
    await expect(admin.getByRole('heading', { level: 1 })).toHaveText(/^Call of /);
    await expect(admin.getByTestId('call-state')).toHaveText('Completed');
    await expect(admin.getByTestId('call-answered-by')).toHaveText('Vera Volunteer');
    await expect(admin.getByTestId('call-rung')).toContainText('Victor Volunteer');
    await expect(admin.getByTestId('call-note')).toContainText(marker);
    await expect(admin.getByTestId('call-note')).toContainText('Vera Volunteer');
    await expect(admin.locator('body')).not.toContainText('555123');
  });

  test
    .info()
    .annotations.push({ type: 'from the call to the end', description: `${Date.now() - started} ms` });
  expect(consoleErrors).toEqual([]);
});
