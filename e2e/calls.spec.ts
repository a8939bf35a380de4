import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { ADMIN_PIN, flipChar, navLink, newMember, unexpected, VOLUNTEER_PIN } from './helpers.js';
import {
  bootstrapAdminByApi,
  inviteByApi,
  placeSimulatedCall,
  shiftCoveringNow,
  signInWithPin,
} from './seed-api.js';

/**
 * The call screen, end to end: two volunteers on shift in two browsers, a simulated caller,
 * both ring, one answers and the other's card goes at once, the call ends and is audited;
 * then, with nobody on shift, a second caller reaches voicemail and the admin plays it.
 */

const CALLER = '+15551234567';
const SECOND_CALLER = '+15559876543';

const incomingCard = (page: Page) => page.getByTestId('incoming-call');

test('two volunteers ring, one answers, the other stops at once; nobody on shift means voicemail', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(180_000);

  const vera = await newMember(browser, 'vera', consoleErrors);
  const victor = await newMember(browser, 'victor', consoleErrors);
  await test.step('the admin and two volunteers have joined (through the API), off shift', async () => {
    const ana = await bootstrapAdminByApi(hotline);
    const veraMember = await inviteByApi(hotline, ana, 'Vera Volunteer');
    const victorMember = await inviteByApi(hotline, ana, 'Victor Volunteer');
    await signInWithPin(admin, hotline, ana, ADMIN_PIN);
    await signInWithPin(vera, hotline, veraMember, VOLUNTEER_PIN);
    await signInWithPin(victor, hotline, victorMember, VOLUNTEER_PIN);
    for (const page of [vera, victor]) {
      await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'connected');
      await expect(page.getByTestId('on-shift-now')).toHaveText('You are not on shift now.');
      await expect(page.getByRole('switch', { name: 'Taking calls' })).toHaveAttribute(
        'aria-checked',
        'true',
      );
    }
  });

  await test.step('the admin puts both on a shift covering now', async () => {
    const { weekday, start } = shiftCoveringNow();
    await navLink(admin, 'Shifts').click();
    await expect(admin.getByRole('heading', { name: 'Shifts', level: 1 })).toBeVisible();
    await admin.getByRole('button', { name: 'New shift' }).click();
    const dialog = admin.getByRole('dialog', { name: 'New shift' });
    await dialog.getByLabel('Name').fill('Day line');
    await dialog.getByLabel('Day it starts on').selectOption(String(weekday));
    await dialog.getByLabel('Start time').fill(start);
    await dialog.getByLabel('Hours').fill('24');
    await dialog.getByLabel('Minutes').fill('0');
    await dialog.getByRole('checkbox', { name: 'Vera Volunteer' }).check();
    await dialog.getByRole('checkbox', { name: 'Victor Volunteer' }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    // The server publishes no shift:changed event yet: the volunteers look at their dashboard again.
    for (const page of [vera, victor]) {
      await navLink(page, 'My shifts').click();
      await expect(page.getByRole('heading', { name: 'My shifts', level: 1 })).toBeVisible();
      await navLink(page, 'Dashboard').click();
      await expect(page.getByTestId('on-shift-now')).toHaveText('You are on shift now.');
    }
  });

  await test.step('the admin watches the live board', async () => {
    await navLink(admin, 'Calls').click();
    await expect(admin.getByRole('heading', { name: 'Calls', level: 1 })).toBeVisible();
    await expect(admin.getByText('No calls right now.')).toBeVisible();
  });

  await test.step('a caller calls and both volunteers ring, seeing the last 4 digits only', async () => {
    await placeSimulatedCall(hotline, CALLER);
    for (const page of [vera, victor]) {
      await expect(incomingCard(page)).toBeVisible({ timeout: 10_000 });
      await expect(incomingCard(page).getByRole('heading')).toHaveText('Incoming call · …4567');
      // Nothing on the screen carries more of the number than its last four digits.
      await expect(page.locator('body')).not.toContainText('555123');
      // The card is announced and its Answer button has the focus (nobody was typing).
      await expect(page.locator('[aria-live="assertive"]')).toContainText('Incoming call');
      await expect(incomingCard(page).getByRole('button', { name: 'Answer' })).toBeFocused();
    }
    // The admin is not on shift: no card for them, but the board shows the call ringing.
    await expect(admin.getByTestId('ringing-count')).toHaveText('Waiting or ringing: 1');
    await expect(admin.getByTestId('live-calls')).toContainText('…4567');
    await expect(incomingCard(admin)).toHaveCount(0);
  });

  await test.step('Vera answers; Victor stops ringing within 2 s', async () => {
    await incomingCard(vera).getByRole('button', { name: 'Answer' }).click();
    await expect(vera.getByTestId('active-call')).toBeVisible();
    await expect(incomingCard(victor)).toHaveCount(0, { timeout: 2_000 });
    await expect(vera.getByRole('heading', { name: 'On a call · …4567' })).toBeVisible();
    await expect(vera.getByTestId('call-timer')).toHaveText(/^0:0[1-9]$/, { timeout: 5_000 });
    // A volunteer cannot ban; that is for members with calls:ban.
    await expect(vera.getByRole('button', { name: 'Ban and hang up' })).toHaveCount(0);
    await expect(admin.getByTestId('live-calls')).toContainText('Vera Volunteer');
    await expect(admin.getByTestId('live-calls')).toContainText('Answered');
  });

  await test.step('Vera ends the call and is offered a note', async () => {
    await vera.getByRole('button', { name: 'End call' }).click();
    await expect(vera.getByTestId('active-call')).toHaveCount(0);
    await expect(vera.getByRole('heading', { name: 'The call has ended' })).toBeVisible();
    await expect(vera.getByRole('link', { name: 'Write a note' })).toHaveAttribute(
      'href',
      /^\/notes\/new\?callId=[0-9a-f-]{36}$/,
    );
    await expect(admin.getByText('No calls right now.')).toBeVisible();
    await expect(admin.getByTestId('count-answered')).toHaveText('1');
  });

  await test.step('Vera writes a note about the call; the admin reads it', async () => {
    const marker = `CALLNOTE-${Math.random().toString(36).slice(2, 10)}`;
    await vera.getByRole('link', { name: 'Write a note' }).click();
    await expect(vera.getByRole('heading', { name: 'New note', level: 1 })).toBeVisible();
    await vera.getByLabel('Note', { exact: true }).fill(`${marker} caller felt safer by the end`);
    await vera.getByRole('button', { name: 'Save note' }).click();
    await expect(vera.getByTestId('note-text')).toHaveText(`${marker} caller felt safer by the end`);

    await navLink(admin, 'Notes').click();
    await expect(admin.getByRole('heading', { name: 'Call notes', level: 1 })).toBeVisible();
    const row = admin.getByTestId('note-row').filter({ hasText: marker });
    await expect(row).toContainText('Vera Volunteer');
    await row.getByRole('link').click();
    await expect(admin.getByTestId('note-text')).toHaveText(`${marker} caller felt safer by the end`);
    await navLink(vera, 'Dashboard').click();
  });

  await test.step('the audit log shows the call', async () => {
    await navLink(admin, 'Audit log').click();
    await admin.getByLabel('Action starts with').fill('calls.');
    await admin.getByRole('button', { name: 'Apply filters' }).click();
    const actions = admin.locator('table code');
    for (const action of ['calls.ringing', 'calls.answered', 'calls.ended'])
      await expect(
        actions.filter({ hasText: new RegExp(`^${action.replace('.', '\\.')}$`) }),
      ).not.toHaveCount(0);
  });

  await test.step('the history names who answered, from the metadata sealed when the call ended', async () => {
    // Only the history's requests (the live board asks with status=…).
    const HISTORY = /\/api\/calls\?(?!.*status=)/;
    type HistoryBody = {
      calls: {
        callerLast4: string | null;
        answeredBy: string | null;
        metaEnvelope?: { ciphertext: string } | null;
      }[];
    };
    const seen: { answeredBy: string | null; sealed: boolean }[] = [];
    await admin.route(HISTORY, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as HistoryBody;
      const call = body.calls.find((c) => c.callerLast4 === '4567');
      if (call) seen.push({ answeredBy: call.answeredBy, sealed: Boolean(call.metaEnvelope) });
      await route.fulfill({ response, json: body });
    });
    await navLink(admin, 'Calls').click();
    const row = admin.getByTestId('call-history').getByRole('row').filter({ hasText: '…4567' });
    await expect(row).toContainText('Completed');
    await expect(row).toContainText('Vera Volunteer');
    // The server no longer says who answered: the name came out of the envelope.
    expect(seen.at(-1)).toEqual({ answeredBy: null, sealed: true });
    await admin.unroute(HISTORY);

    // An altered envelope is named as such instead of a volunteer.
    await admin.route(HISTORY, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as HistoryBody;
      for (const call of body.calls)
        if (call.metaEnvelope) call.metaEnvelope.ciphertext = flipChar(call.metaEnvelope.ciphertext, 40);
      await route.fulfill({ response, json: body });
    });
    await navLink(admin, 'Dashboard').click();
    await navLink(admin, 'Calls').click();
    await expect(row.getByTestId('call-meta-unavailable')).toHaveText('Could not be opened (altered?)');
    await expect(row).not.toContainText('Vera Volunteer');
    await admin.unroute(HISTORY);
  });

  await test.step('the admin shortens the queue and removes the shift', async () => {
    await navLink(admin, 'Settings').click();
    const calls = admin.getByRole('form', { name: 'Calls' });
    await calls.getByLabel('Seconds a caller waits before voicemail').fill('10');
    await calls.getByRole('button', { name: 'Save Calls' }).click();
    await expect(calls.getByRole('status')).toHaveText('Saved.');

    await navLink(admin, 'Shifts').click();
    await admin.getByRole('button', { name: /Day line/ }).click();
    await admin.getByRole('button', { name: 'Delete this shift' }).click();
    await admin
      .getByRole('dialog', { name: 'Delete the shift Day line?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect(admin.getByRole('button', { name: /Day line/ })).toHaveCount(0);
    for (const page of [vera, victor]) {
      await navLink(page, 'My shifts').click();
      await expect(page.getByRole('heading', { name: 'My shifts', level: 1 })).toBeVisible();
      await navLink(page, 'Dashboard').click();
      await expect(page.getByTestId('on-shift-now')).toHaveText('You are not on shift now.');
    }
  });

  await test.step('a second caller, nobody on shift: no one rings and the call goes to voicemail', async () => {
    await navLink(admin, 'Calls').click();
    await expect(admin.getByRole('heading', { name: 'Calls', level: 1 })).toBeVisible();
    await placeSimulatedCall(hotline, SECOND_CALLER);
    await expect(admin.getByTestId('live-calls')).toContainText('…6543');
    await expect(incomingCard(vera)).toHaveCount(0);
    await expect(incomingCard(victor)).toHaveCount(0);
    // The queue timeout (10 s) sends the caller to voicemail; the message is sealed for admins.
    const row = admin.getByTestId('call-history').getByRole('row').filter({ hasText: '…6543' });
    await expect(row).toContainText('Voicemail', { timeout: 30_000 });
    await expect(row.getByRole('button', { name: /^Play/ })).toBeVisible({ timeout: 20_000 });
    await expect(admin.getByTestId('count-voicemail')).toHaveText('1');
    await row.getByRole('button', { name: /^Play/ }).click();
    await expect(row.getByTestId('voicemail-audio')).toHaveAttribute('src', /^blob:/);
  });

  expect(unexpected(consoleErrors)).toEqual([]);
});
