import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { createKeyThroughUi, expect, type Hotline, test } from './fixtures.js';
import { bootstrapAdmin, createInviteLink, navLink, VOLUNTEER_PIN } from './helpers.js';

/**
 * Real audio on the simulated carrier: a caller on /api/simulator calls with a (fake) microphone,
 * two volunteers ring, one answers in the browser, and EACH side receives audio, measured with
 * WebRTC's own statistics (inbound audio packets and energy); the volunteer who lost never builds
 * a connection; Mute silences the volunteer's track; the volunteer's End call ends the caller's side.
 */

/**
 * The fake microphone's sound (Chromium loops the file): short tone bursts of changing pitch, like
 * speech in rhythm, since the browsers' noise suppression rightly fades a steady tone away.
 */
function toneWav(seconds: number): string {
  const rate = 48_000;
  const samples = seconds * rate;
  const data = Buffer.alloc(samples * 2);
  const pitches = [330, 440, 523, 392, 587, 494];
  for (let i = 0; i < samples; i++) {
    const burst = Math.floor(i / (rate * 0.25));
    const inBurst = (i % (rate * 0.25)) / (rate * 0.25);
    const envelope = inBurst < 0.8 ? Math.sin(Math.PI * (inBurst / 0.8)) : 0;
    const frequency = pitches[burst % pitches.length]!;
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * frequency * i) / rate) * envelope * 16_000), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'llamenos-tone-')), 'tone.wav');
  writeFileSync(file, Buffer.concat([header, data]));
  return file;
}

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      // A granted microphone that plays a generated tone.
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${toneWav(3)}`,
    ],
  },
});

/** Every RTCPeerConnection a page makes is kept where the test can read its statistics. */
async function recordPeerConnections(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Original = window.RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = made;
    window.RTCPeerConnection = class extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        made.push(this);
      }
    } as typeof RTCPeerConnection;
  });
}

/** Counts the tones the caller's page plays (hold music, prompt chimes): each is an oscillator started. */
async function countTones(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __tones: number };
    w.__tones = 0;
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: [number?]) {
      w.__tones += 1;
      return start.apply(this, args);
    };
  });
}
const tonesPlayed = (page: Page) => page.evaluate(() => (window as unknown as { __tones: number }).__tones);

interface Received {
  connection: RTCPeerConnectionState;
  packets: number;
  energy: number;
  level: number;
}

/** What each of the page's connections has received: audio packets, total energy and the last level. */
const received = (page: Page): Promise<Received[]> =>
  page.evaluate(async () => {
    const all = (window as unknown as { __peerConnections?: RTCPeerConnection[] }).__peerConnections ?? [];
    const out: Received[] = [];
    for (const pc of all) {
      const row: Received = { connection: pc.connectionState, packets: 0, energy: 0, level: 0 };
      if (pc.connectionState !== 'closed')
        (await pc.getStats()).forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'audio') {
            row.packets += r.packetsReceived ?? 0;
            row.energy += r.totalAudioEnergy ?? 0;
            row.level = Math.max(row.level, r.audioLevel ?? 0);
          }
        });
      out.push(row);
    }
    return out;
  });

/** Waits until the page's one connection receives audio with energy above the threshold. */
async function expectAudioArrives(page: Page, who: string): Promise<Received> {
  let last: Received[] = [];
  await expect
    .poll(
      async () => {
        last = await received(page);
        return last.length === 1 && last[0]!.packets > 20 && last[0]!.energy > 0.01 && last[0]!.level > 0.01;
      },
      { message: `${who} receives audio`, timeout: 15_000 },
    )
    .toBe(true);
  return last[0]!;
}

async function newMember(browser: Browser, label: string, consoleErrors: string[]): Promise<Page> {
  const context = await browser.newContext();
  context.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${label}: ${m.text()} @ ${m.location().url}`);
  });
  context.on('weberror', (e) => consoleErrors.push(`${label}: ${e.error().message}`));
  await recordPeerConnections(context);
  return context.newPage();
}

/** The shift's start: two hours ago on the quarter hour (UTC, the hotline's default zone), for 24 hours. */
function shiftCoveringNow(): { weekday: number; start: string } {
  const start = new Date(Date.now() - 2 * 3600_000);
  start.setUTCMinutes(Math.floor(start.getUTCMinutes() / 15) * 15, 0, 0);
  return {
    weekday: (start.getUTCDay() + 6) % 7,
    start: `${String(start.getUTCHours()).padStart(2, '0')}:${String(start.getUTCMinutes()).padStart(2, '0')}`,
  };
}

const incomingCard = (page: Page) => page.getByTestId('incoming-call');

async function onboardOnShift(admin: Page, hotline: Hotline, members: [Page, string][]): Promise<void> {
  await bootstrapAdmin(admin, hotline);
  for (const [page, name] of members) {
    const link = await createInviteLink(admin, name);
    await page.goto(link);
    await createKeyThroughUi(page, name, VOLUNTEER_PIN);
    await expect(page.getByRole('heading', { name: `Hello, ${name}` })).toBeVisible();
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'connected');
  }
  const { weekday, start } = shiftCoveringNow();
  await navLink(admin, 'Shifts').click();
  await admin.getByRole('button', { name: 'New shift' }).click();
  const dialog = admin.getByRole('dialog', { name: 'New shift' });
  await dialog.getByLabel('Name').fill('Day line');
  await dialog.getByLabel('Day it starts on').selectOption(String(weekday));
  await dialog.getByLabel('Start time').fill(start);
  await dialog.getByLabel('Hours').fill('24');
  await dialog.getByLabel('Minutes').fill('0');
  for (const [, name] of members) await dialog.getByRole('checkbox', { name }).check();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  for (const [page] of members) {
    await navLink(page, 'My shifts').click();
    await navLink(page, 'Dashboard').click();
    await expect(page.getByTestId('on-shift-now')).toHaveText('You are on shift now.');
  }
}

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
    await caller.goto(`${hotline.url}/api/simulator`);
    await caller.locator('#from').fill('+15551234567');
    await caller.getByRole('button', { name: 'Call the hotline' }).click();
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
