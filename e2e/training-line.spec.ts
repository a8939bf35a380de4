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
 * them), the admin speaks as the caller from the simulator page, and each side receives audio.
 */

test.use({ launchOptions: fakeMicrophoneLaunchOptions() });

test('an admin role-plays a call with a trainee, with audio both ways', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(60_000);
  const trainee = await newMember(browser, 'trainee', consoleErrors);
  const caller = await newMember(browser, 'caller', consoleErrors);

  await bootstrapAdmin(admin, hotline);
  const link = await createInviteLink(admin, 'Tina Trainee');
  await trainee.goto(link);
  await createKeyThroughUi(trainee, 'Tina Trainee', VOLUNTEER_PIN);
  await expect(trainee.getByTestId('live-status')).toHaveAttribute('data-status', 'connected');

  await navLink(admin, 'Volunteers').click();
  await admin.getByRole('link', { name: 'Edit Tina Trainee' }).click();
  await admin.getByRole('button', { name: 'Start a training call' }).click();
  await expect(admin.getByText(/^Training call started/)).toBeVisible();

  await caller.goto(`${hotline.url}/api/simulator`);
  await expect(caller.getByRole('heading', { name: 'Training call (you are the caller)' })).toBeVisible();
  await caller.getByRole('button', { name: 'Connect audio' }).click();

  await expect(incomingCard(trainee)).toBeVisible({ timeout: 10_000 });
  await expect(incomingCard(trainee).getByRole('heading', { name: 'Training call' })).toBeVisible();
  await incomingCard(trainee).getByRole('button', { name: 'Answer' }).click();
  await expect(trainee.getByTestId('call-audio')).toHaveAttribute('data-status', 'connected');
  await expect(
    trainee.getByTestId('active-call').getByRole('heading', { name: 'Training call' }),
  ).toBeVisible();
  await expectAudioArrives(trainee, 'the trainee');
  await expectAudioArrives(caller, 'the trainer');
  await expect(caller.getByTestId('caller-audio')).toHaveText('Audio: connected');
});
