import {
  callFromSimulatorPage,
  countTones,
  expectAudioArrives,
  fakeMicrophoneLaunchOptions,
  incomingCard,
  newMember,
  onboardOnShift,
  received,
  tonesPlayed,
} from './call-audio-helpers.js';
import { expect, test } from './fixtures.js';

/**
 * Real audio on the simulated carrier: a caller on /api/simulator calls with a (fake) microphone,
 * two volunteers ring, one answers in the browser, and EACH side receives audio, measured with
 * WebRTC's own statistics (inbound audio packets and energy); the volunteer who lost never builds
 * a connection; Mute silences the volunteer's track; the volunteer's End call ends the caller's side.
 */

test.use({ launchOptions: fakeMicrophoneLaunchOptions() });

test('a simulated caller and a volunteer who answers in the browser hear each other', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(180_000);
  const vera = await newMember(browser, 'vera', consoleErrors);
  const victor = await newMember(browser, 'victor', consoleErrors);
  const caller = await newMember(browser, 'caller', consoleErrors);
  await countTones(caller.context());

  await test.step('two volunteers onboard and go on shift', async () => {
    await onboardOnShift(admin, hotline, [
      [vera, 'Vera Volunteer'],
      [victor, 'Victor Volunteer'],
    ]);
  });

  await test.step('a caller calls from the simulator page with their microphone; both volunteers ring', async () => {
    await callFromSimulatorPage(caller, hotline);
    await expect(caller.getByTestId('caller-audio')).toHaveText('Audio: waiting for a volunteer');
    for (const page of [vera, victor]) await expect(incomingCard(page)).toBeVisible({ timeout: 10_000 });
    // On hold: the page plays its generated hold music (a note every 0.8 s).
    const before = await tonesPlayed(caller);
    await expect.poll(() => tonesPlayed(caller)).toBeGreaterThan(before + 1);
  });

  await test.step('Vera answers: both sides receive audio; Victor never connects', async () => {
    await incomingCard(vera).getByRole('button', { name: 'Answer' }).click();
    await expect(vera.getByTestId('call-audio')).toHaveAttribute('data-status', 'connected');
    await expect(vera.getByTestId('call-audio-line')).toHaveText('Audio connected');
    const heardByVera = await expectAudioArrives(vera, 'the volunteer');
    const heardByCaller = await expectAudioArrives(caller, 'the caller');
    expect(heardByVera.connection).toBe('connected');
    expect(heardByCaller.connection).toBe('connected');
    await expect(caller.getByTestId('caller-audio')).toHaveText('Audio: connected');
    // Connected: the hold music has stopped.
    const held = await tonesPlayed(caller);
    await caller.waitForTimeout(2_000);
    expect(await tonesPlayed(caller)).toBe(held);
    // The losing volunteer's card goes, and their browser never opened a connection.
    await expect(incomingCard(victor)).toHaveCount(0, { timeout: 2_000 });
    expect(await received(victor)).toEqual([]);
  });

  await test.step('Mute silences the volunteer for the caller, Unmute brings them back', async () => {
    const energy = async () => (await received(caller))[0]!.energy;
    await vera.getByRole('button', { name: 'Mute' }).click();
    await expect(vera.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true');
    await vera.waitForTimeout(500); // what was already on its way
    const mutedFrom = await energy();
    await vera.waitForTimeout(1_500);
    const whileMuted = (await energy()) - mutedFrom;
    await vera.getByRole('button', { name: 'Unmute' }).click();
    await vera.waitForTimeout(500);
    const unmutedFrom = await energy();
    await vera.waitForTimeout(1_500);
    const whileUnmuted = (await energy()) - unmutedFrom;
    test.info().annotations.push({
      type: 'audio energy at the caller over 1.5 s',
      description: `muted ${whileMuted.toFixed(5)}, unmuted ${whileUnmuted.toFixed(5)}`,
    });
    expect(whileUnmuted).toBeGreaterThan(0.001);
    expect(whileMuted).toBeLessThan(whileUnmuted / 10);
  });

  await test.step("Vera's End call ends the caller's side", async () => {
    await vera.getByRole('button', { name: 'End call' }).click();
    await expect(vera.getByRole('heading', { name: 'The call has ended' })).toBeVisible();
    await expect(caller.locator('#callers')).toContainText('Status: completed');
    await expect(caller.getByTestId('caller-audio')).toHaveCount(0);
    await expect.poll(async () => (await received(caller)).map((r) => r.connection)).toEqual(['closed']);
    await expect.poll(async () => (await received(vera)).map((r) => r.connection)).toEqual(['closed']);
  });

  expect(consoleErrors).toEqual([]);
});
