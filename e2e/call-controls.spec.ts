import type { Browser, Page } from '@playwright/test';
import {
  answerInBrowser,
  callFromSimulatorPage,
  countTones,
  expectAudioArrives,
  fakeMicrophoneLaunchOptions,
  incomingCard,
  newMember,
  onboardOnShift,
  received,
  recordPeerConnections,
  tonesPlayed,
} from './call-audio-helpers.js';
import { expect, type Hotline, test } from './fixtures.js';
import { navLink } from './helpers.js';

/**
 * The active-call card's controls on a browser call with real audio (simulated carrier), after a
 * microphone check in My settings (the chosen microphone is used for the call): Hold
 * stops the volunteer's voice reaching the caller and the caller's reaching the volunteer, the
 * caller hears hold music meanwhile, and Resume brings both voices back, measured with WebRTC's
 * own statistics (audio energy received).
 */

test.use({ launchOptions: fakeMicrophoneLaunchOptions() });

/** The audio energy `page`'s one connection receives over 1.5 s, after 1 s for what was on its way. */
async function energyOverWindow(page: Page): Promise<number> {
  const energy = async () => (await received(page))[0]!.energy;
  await page.waitForTimeout(1_000);
  const from = await energy();
  await page.waitForTimeout(1_500);
  return (await energy()) - from;
}

test('Hold on a browser call: the caller hears hold music and neither voice is carried until Resume', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(180_000);
  const vera = await newMember(browser, 'vera', consoleErrors);
  const caller = await newMember(browser, 'caller', consoleErrors);
  await countTones(caller.context());

  await test.step('a volunteer goes on shift', async () => {
    await onboardOnShift(admin, hotline, [[vera, 'Vera Volunteer']]);
  });

  await test.step('before the call, Vera chooses her microphone in My settings and checks it', async () => {
    await navLink(vera, 'My settings').click();
    const panel = vera.getByRole('region', { name: 'Headset and microphone' });
    const level = panel.getByTestId('microphone-level');
    const moving = () =>
      expect
        .poll(async () => Number(await level.getAttribute('data-level')), { timeout: 10_000 })
        .toBeGreaterThan(0.05);
    await panel.getByRole('button', { name: 'Check my microphone' }).click();
    await moving();
    // With the microphone allowed the devices have names; the first one after the default is chosen.
    const microphone = panel.getByLabel('Microphone', { exact: true });
    await expect.poll(() => microphone.locator('option').count()).toBeGreaterThan(1);
    const chosen = await microphone.locator('option').nth(1).getAttribute('value');
    await microphone.selectOption(chosen!);
    await moving(); // the check follows the new choice
    const stored = await vera.evaluate(() => localStorage.getItem('llamenos.audioDevices'));
    expect(JSON.parse(stored!)).toEqual({ inputId: chosen, outputId: null });
    await panel.getByRole('button', { name: 'Stop the check' }).click();
    await expect(level).toHaveAttribute('data-level', '0');
    // Kept on this device: still chosen when the page is opened again.
    await navLink(vera, 'Dashboard').click();
    await navLink(vera, 'My settings').click();
    await expect(vera.getByLabel('Microphone', { exact: true })).toHaveValue(chosen!);
    await navLink(vera, 'Dashboard').click();
  });

  await test.step('a simulated caller calls; Vera answers in the browser with the chosen microphone', async () => {
    await callFromSimulatorPage(caller, hotline);
    await expect(caller.getByTestId('caller-audio')).toHaveText('Audio: waiting for a volunteer');
    await incomingCard(vera).getByRole('button', { name: 'Answer' }).click();
    await expect(vera.getByTestId('call-audio')).toHaveAttribute('data-status', 'connected');
    await expectAudioArrives(vera, 'the volunteer');
    await expectAudioArrives(caller, 'the caller');
  });

  const heardByCaller: Record<string, number> = {};
  const heardByVolunteer: Record<string, number> = {};

  await test.step('before Hold, each side hears the other', async () => {
    heardByCaller.before = await energyOverWindow(caller);
    heardByVolunteer.before = await energyOverWindow(vera);
  });

  await test.step('Hold: the caller hears hold music, and no voice goes either way', async () => {
    await vera.getByRole('button', { name: 'Hold' }).click();
    await expect(vera.getByRole('button', { name: 'Resume' })).toHaveAttribute('aria-pressed', 'true');
    await expect(vera.getByTestId('call-audio-line')).toHaveText(/The caller is on hold/);
    await expect(caller.getByTestId('caller-audio')).toHaveText('Audio: on hold');
    const tones = await tonesPlayed(caller);
    heardByCaller.held = await energyOverWindow(caller);
    heardByVolunteer.held = await energyOverWindow(vera);
    // Hold music plays on the caller's page (a note every 0.8 s).
    expect(await tonesPlayed(caller)).toBeGreaterThan(tones + 2);
  });

  await test.step('Resume: both voices come back and the hold music stops', async () => {
    await vera.getByRole('button', { name: 'Resume' }).click();
    await expect(vera.getByRole('button', { name: 'Hold' })).toHaveAttribute('aria-pressed', 'false');
    await expect(caller.getByTestId('caller-audio')).toHaveText('Audio: connected');
    heardByCaller.resumed = await energyOverWindow(caller);
    heardByVolunteer.resumed = await energyOverWindow(vera);
    const tones = await tonesPlayed(caller);
    await caller.waitForTimeout(1_600);
    expect(await tonesPlayed(caller)).toBe(tones);
  });

  const shown = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${k} ${v.toFixed(5)}`)
      .join(', ');
  test
    .info()
    .annotations.push(
      { type: 'audio energy at the caller over 1.5 s', description: shown(heardByCaller) },
      { type: 'audio energy at the volunteer over 1.5 s', description: shown(heardByVolunteer) },
    );
  for (const heard of [heardByCaller, heardByVolunteer]) {
    expect(heard.before).toBeGreaterThan(0.001);
    expect(heard.resumed).toBeGreaterThan(0.001);
    expect(heard.held).toBeLessThan(heard.before! / 10);
  }

  await test.step("the volunteer's End call closes both sides", async () => {
    await vera.getByRole('button', { name: 'End call' }).click();
    await expect(caller.locator('#callers')).toContainText('Status: completed');
    await expect.poll(async () => (await received(vera)).map((r) => r.connection)).toEqual(['closed']);
  });

  expect(consoleErrors).toEqual([]);
});

/**
 * The start of the transfer journeys: Vera and Victor on shift (in their own browsers) and a
 * caller on the simulator page; Vera has answered in the browser and each side hears the other.
 */
async function veraAnswersVictorFree(
  admin: Page,
  browser: Browser,
  hotline: Hotline,
  consoleErrors: string[],
) {
  const vera = await newMember(browser, 'vera', consoleErrors);
  const victor = await newMember(browser, 'victor', consoleErrors);
  const caller = await newMember(browser, 'caller', consoleErrors);
  await test.step('two volunteers on shift; Vera answers a simulated caller in the browser', async () => {
    await onboardOnShift(admin, hotline, [
      [vera, 'Vera Volunteer'],
      [victor, 'Victor Volunteer'],
    ]);
    await answerInBrowser(vera, caller, hotline, 'the first volunteer');
  });
  return { vera, victor, caller };
}

test('Transfer: the caller is handed to a second volunteer in the browser, with audio; the first side ends', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(180_000);
  const { vera, victor, caller } = await veraAnswersVictorFree(admin, browser, hotline, consoleErrors);

  await test.step('Vera transfers the call to Victor, chosen by name', async () => {
    await vera.getByRole('button', { name: 'Transfer', exact: true }).click();
    const to = vera.getByLabel('Transfer to');
    await expect(to.locator('option')).toHaveText(['Victor Volunteer']);
    await vera.getByRole('button', { name: 'Hand over the call' }).click();
    // Vera's side ends: her card closes and her connection with it.
    await expect(vera.getByTestId('active-call')).toHaveCount(0);
    await expect.poll(async () => (await received(vera)).map((r) => r.connection)).toEqual(['closed']);
  });

  await test.step('Victor is on the call with the caller, and each hears the other', async () => {
    await expect(victor.getByTestId('active-call')).toBeVisible();
    await expect(victor.getByTestId('call-audio')).toHaveAttribute('data-status', 'connected');
    await expectAudioArrives(victor, 'the second volunteer');
    // The caller's page has a second connection now, to Victor; the first one is closed.
    await expect
      .poll(
        async () => {
          const all = await received(caller);
          const last = all.at(-1);
          return (
            all.length === 2 &&
            all[0]!.connection === 'closed' &&
            !!last &&
            last.packets > 20 &&
            last.energy > 0.01
          );
        },
        { message: 'the caller receives audio from the second volunteer', timeout: 15_000 },
      )
      .toBe(true);
    await expect(caller.getByTestId('caller-audio')).toHaveText('Audio: connected');
  });

  await test.step("Victor's End call ends the caller's side", async () => {
    await victor.getByRole('button', { name: 'End call' }).click();
    await expect(caller.locator('#callers')).toContainText('Status: completed');
  });

  expect(consoleErrors).toEqual([]);
});

/** Polls until connection `index` of `page` receives audio (packets and energy above the tone's floor). */
async function expectAudioOn(page: Page, index: number | 'last', who: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const all = await received(page);
        const one = index === 'last' ? all.at(-1) : all[index];
        return !!one && one.connection !== 'closed' && one.packets > 20 && one.energy > 0.01;
      },
      { message: `${who} receives audio`, timeout: 15_000 },
    )
    .toBe(true);
}

test('Warm transfer: the caller waits on hold while the two volunteers talk, then is handed over with audio', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(180_000);
  const { vera, victor, caller } = await veraAnswersVictorFree(admin, browser, hotline, consoleErrors);
  // The card shows the connection's quality in words, from its statistics (loopback: any level under load).
  await expect(vera.getByTestId('network-quality')).toHaveText(/^\S+ Connection: (good|fair|poor)/);

  const heardByCaller: Record<string, number> = {};
  await test.step('Vera asks Victor to talk first: the caller goes on hold, his card says who asks', async () => {
    heardByCaller.before = await energyOverWindow(caller);
    await vera.getByRole('button', { name: 'Transfer', exact: true }).click();
    await expect(vera.getByLabel('Transfer to').locator('option')).toHaveText(['Victor Volunteer']);
    await vera.getByRole('button', { name: 'Talk first' }).click();
    await expect(vera.getByTestId('warm-transfer')).toHaveAttribute('data-state', 'asking');
    await expect(caller.getByTestId('caller-audio')).toHaveText('Audio: on hold');
    const invite = victor.getByTestId('warm-transfer-invite');
    await expect(invite).toContainText('A colleague is transferring a call to you');
    await expect(invite).toContainText('Vera Volunteer');
    await invite.getByRole('button', { name: 'Talk to them' }).click();
    await expect(vera.getByTestId('warm-transfer')).toHaveAttribute('data-state', 'talking');
  });

  await test.step('the two volunteers hear each other; the caller hears neither', async () => {
    // Vera's second connection is the talk with Victor; Victor's first is the talk with Vera.
    await expectAudioOn(vera, 1, 'Vera, from Victor');
    await expectAudioOn(victor, 0, 'Victor, from Vera');
    heardByCaller.consult = await energyOverWindow(caller);
    test.info().annotations.push({
      type: 'audio energy at the caller over 1.5 s',
      description: `before ${heardByCaller.before!.toFixed(5)}, during the talk ${heardByCaller.consult!.toFixed(5)}`,
    });
    expect(heardByCaller.before).toBeGreaterThan(0.001);
    expect(heardByCaller.consult).toBeLessThan(heardByCaller.before! / 10);
  });

  await test.step('Hand over: Victor is on the call with the caller, with audio; Vera is free', async () => {
    await vera.getByRole('button', { name: 'Hand over', exact: true }).click();
    await expect(vera.getByTestId('active-call')).toHaveCount(0);
    await expect(victor.getByTestId('warm-transfer-invite')).toHaveCount(0);
    await expect(victor.getByTestId('call-audio')).toHaveAttribute('data-status', 'connected');
    await expectAudioOn(victor, 'last', 'Victor, from the caller');
    await expect
      .poll(async () => (await received(vera)).map((r) => r.connection))
      .toEqual(['closed', 'closed']);
    await expect(caller.getByTestId('caller-audio')).toHaveText('Audio: connected');
    await expectAudioOn(caller, 'last', 'the caller, from Victor');
  });

  await test.step("Victor's End call ends the caller's side", async () => {
    await victor.getByRole('button', { name: 'End call' }).click();
    await expect(caller.locator('#callers')).toContainText('Status: completed');
  });

  expect(consoleErrors).toEqual([]);
});

test('Silent supervision: an admin hears both sides of a browser call, sends nothing, and the volunteer sees it', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(180_000);
  await recordPeerConnections(admin.context());
  const vera = await newMember(browser, 'vera', consoleErrors);
  const caller = await newMember(browser, 'caller', consoleErrors);

  await test.step('the admin turns silent supervision on; Vera answers a simulated caller', async () => {
    await onboardOnShift(admin, hotline, [[vera, 'Vera Volunteer']]);
    await navLink(admin, 'Settings').click();
    const calls = admin.getByRole('form', { name: 'Calls' });
    await calls.getByLabel('Let admins listen silently to browser calls').check();
    await calls.getByRole('button', { name: 'Save Calls' }).click();
    await expect(calls.getByRole('status')).toHaveText('Saved.');
    await answerInBrowser(vera, caller, hotline, 'the volunteer');
    await expect(vera.getByTestId('call-supervision')).toContainText(
      'Silent supervision is on at this hotline',
    );
  });

  await test.step('the admin listens: both voices reach the admin, nothing comes back', async () => {
    const panel = admin.getByTestId('supervision');
    await expect(panel).toContainText('Vera Volunteer', { timeout: 15_000 });
    await panel.getByRole('button', { name: 'Listen silently' }).click();
    await expect(admin.getByTestId('supervision-listening')).toBeVisible();
    await expect(vera.getByTestId('call-supervision')).toContainText('An admin is listening to this call.');
    await expectAudioArrives(admin, 'the admin');
    // Two lines, each with audio: the caller's voice and Vera's.
    const linesWithAudio = () =>
      admin.evaluate(async () => {
        const [pc] = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
        let lines = 0;
        (await pc!.getStats()).forEach((r) => {
          if (
            r.type === 'inbound-rtp' &&
            r.kind === 'audio' &&
            r.packetsReceived > 20 &&
            r.totalAudioEnergy > 0.01
          )
            lines += 1;
        });
        return lines;
      });
    await expect.poll(linesWithAudio, { message: 'both voices reach the admin', timeout: 15_000 }).toBe(2);
    // Vera's second connection is the admin's: it receives nothing; the caller has only Vera's.
    const veras = await received(vera);
    expect(veras).toHaveLength(2);
    expect(veras[1]!.packets).toBe(0);
    expect(await received(caller)).toHaveLength(1);
  });

  await test.step('Stop listening: the volunteer no longer sees an admin listening', async () => {
    await admin.getByRole('button', { name: 'Stop listening' }).click();
    await expect(vera.getByTestId('call-supervision')).not.toContainText('An admin is listening');
    await vera.getByRole('button', { name: 'End call' }).click();
    await expect(caller.locator('#callers')).toContainText('Status: completed');
  });

  expect(consoleErrors).toEqual([]);
});
