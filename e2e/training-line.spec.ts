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
 * them), the admin speaks as the caller from that same page, in the app (no simulator page, no
 * carrier), and each side receives audio. The trainee hangs up and the admin's panel says so.
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
  const panel = admin.getByTestId('training-caller');
  await expect(panel.getByRole('status')).toHaveText('Ringing Tina Trainee…');

  await expect(incomingCard(trainee)).toBeVisible({ timeout: 10_000 });
  await expect(incomingCard(trainee).getByRole('heading', { name: 'Training call' })).toBeVisible();
  await incomingCard(trainee).getByRole('button', { name: 'Answer' }).click();
  await expect(trainee.getByTestId('call-audio')).toHaveAttribute('data-status', 'connected');
  await expect(
    trainee.getByTestId('active-call').getByRole('heading', { name: 'Training call' }),
  ).toBeVisible();
  await expect(panel.getByRole('status')).toHaveText('Connected: you are the caller.');
  await expectAudioArrives(trainee, 'the trainee');
  await expectAudioArrives(admin, 'the trainer');

  // The trainee hangs up: the trainer's panel says the call ended and offers a new one.
  await trainee.getByTestId('active-call').getByRole('button', { name: 'End call' }).click();
  await expect(panel.getByRole('status')).toHaveText('The training call has ended.', { timeout: 10_000 });
  await expect(panel.getByRole('button', { name: 'Start a training call' })).toBeVisible();
});
