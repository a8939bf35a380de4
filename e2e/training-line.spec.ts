import {
  expectAudioArrives,
  fakeMicrophoneLaunchOptions,
  incomingCard,
  newMember,
} from './call-audio-helpers.js';
import { createKeyThroughUi, expect, test } from './fixtures.js';
import { bootstrapAdmin, createInviteLink, navLink, VOLUNTEER_PIN } from './helpers.js';

/**
 * The training line: an admin starts a role-play call to a trainee from the trainee's member
 * page; it rings the trainee's browser (the trainee is on no shift: nothing else would ring
 * them), and the admin speaks as the caller from their own browser, in the app (no simulator
 * page, no carrier; the call is on the admin's call dock). Each side receives audio. The trainee
 * hangs up and the admin's card says so.
 */

test.use({ launchOptions: fakeMicrophoneLaunchOptions() });

test('an admin role-plays a call with a trainee from the app, with audio both ways', async ({
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(60_000);
  const admin = await newMember(browser, 'trainer', consoleErrors);
  const trainee = await newMember(browser, 'trainee', consoleErrors);

  await bootstrapAdmin(admin, hotline);
  const link = await createInviteLink(admin, 'Tina Trainee');
  await trainee.goto(link);
  await createKeyThroughUi(trainee, 'Tina Trainee', VOLUNTEER_PIN);
  await expect(trainee.getByTestId('live-status')).toHaveAttribute('data-status', 'connected');

  await navLink(admin, 'Volunteers').click();
  await admin.getByRole('link', { name: 'Edit Tina Trainee' }).click();
  await admin.getByRole('button', { name: 'Start a training call' }).click();
  // The trainer's call is on the call dock, on every screen.
  const call = admin.getByTestId('training-caller-call');
  await expect(call.getByRole('status')).toHaveText('Ringing Tina Trainee…');

  await expect(incomingCard(trainee)).toBeVisible({ timeout: 10_000 });
  await expect(incomingCard(trainee).getByRole('heading', { name: 'Training call' })).toBeVisible();
  await incomingCard(trainee).getByRole('button', { name: 'Answer' }).click();
  await expect(trainee.getByTestId('call-audio')).toHaveAttribute('data-status', 'connected');
  await expect(
    trainee.getByTestId('active-call').getByRole('heading', { name: 'Training call' }),
  ).toBeVisible();
  await expect(call.getByRole('status')).toHaveText('Connected: you are the caller.');
  await expectAudioArrives(trainee, 'the trainee');
  await expectAudioArrives(admin, 'the trainer');

  // The trainee hangs up: the trainer's card says the call ended, and a new one may start.
  await trainee.getByTestId('active-call').getByRole('button', { name: 'End call' }).click();
  await expect(call.getByRole('status')).toHaveText('The training call has ended.', { timeout: 10_000 });
  await call.getByRole('button', { name: 'Dismiss' }).click();
  await expect(call).toHaveCount(0);
  await expect(admin.getByRole('button', { name: 'Start a training call' })).toBeEnabled();
});
