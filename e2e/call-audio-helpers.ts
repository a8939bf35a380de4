import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, LaunchOptions, Page } from '@playwright/test';
import { chromiumLaunchOptions } from './chromium.js';
import { expect, type Hotline } from './fixtures.js';
import { ADMIN_PIN, VOLUNTEER_PIN, watchConsole } from './helpers.js';
import {
  bootstrapAdminByApi,
  inviteByApi,
  type SeededMember,
  shiftByApi,
  shiftCoveringNow,
  signInWithPin,
} from './seed-api.js';

/**
 * Helpers for the journeys with real audio on the simulated carrier (call-controls.spec.ts): a
 * fake microphone that plays generated tone bursts, every RTCPeerConnection kept for its WebRTC
 * statistics, and volunteers on a shift that covers now (made through the API).
 */

/**
 * The fake microphone's sound (Chromium loops the file): short tone bursts of changing pitch, like
 * speech in rhythm, since the browsers' noise suppression rightly fades a steady tone away.
 */
export function toneWav(seconds: number): string {
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

/** Every RTCPeerConnection a page makes is kept where the test can read its statistics. */
export async function recordPeerConnections(context: BrowserContext): Promise<void> {
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
export async function countTones(context: BrowserContext): Promise<void> {
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
export const tonesPlayed = (page: Page) =>
  page.evaluate(() => (window as unknown as { __tones: number }).__tones);

export interface Received {
  connection: RTCPeerConnectionState;
  packets: number;
  energy: number;
  level: number;
}

/** What each of the page's connections has received: audio packets, total energy and the last level. */
export const received = (page: Page): Promise<Received[]> =>
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
export async function expectAudioArrives(page: Page, who: string): Promise<Received> {
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

/** A second browser whose console errors count against the test and whose calls' audio is measured. */
export async function newMember(browser: Browser, label: string, consoleErrors: string[]): Promise<Page> {
  const context = await browser.newContext();
  watchConsole(context, label, consoleErrors);
  await recordPeerConnections(context);
  return context.newPage();
}

export const incomingCard = (page: Page) => page.getByTestId('incoming-call');

/** A caller on the simulator page (`caller`, with the fake microphone) calls the hotline from `from`. */
export async function callFromSimulatorPage(
  caller: Page,
  hotline: Hotline,
  from = '+15551234567',
): Promise<void> {
  await caller.goto(`${hotline.url}/api/simulator`);
  await caller.locator('#from').fill(from);
  await caller.getByRole('button', { name: 'Call the hotline' }).click();
}

/**
 * A caller on the simulator page calls and `volunteer` answers in the browser; resolves once each
 * side receives the other's audio. `who` names the volunteer in a failure.
 */
export async function answerInBrowser(
  volunteer: Page,
  caller: Page,
  hotline: Hotline,
  who: string,
): Promise<void> {
  await callFromSimulatorPage(caller, hotline);
  await incomingCard(volunteer).getByRole('button', { name: 'Answer' }).click();
  await expectAudioArrives(volunteer, who);
  await expectAudioArrives(caller, 'the caller');
}

/**
 * The admin (Ana Admin) and each member (a volunteer), made through the API and put on a shift
 * covering now (e2e/seed-api.ts); each browser unlocks its key and ends on its dashboard, the
 * members connected and on shift. Joining through the screens is tested by the onboarding specs.
 */
export async function onboardOnShift(
  admin: Page,
  hotline: Hotline,
  members: [Page, string][],
): Promise<void> {
  const ana = await bootstrapAdminByApi(hotline);
  const seeded: SeededMember[] = [];
  for (const [, name] of members) seeded.push(await inviteByApi(hotline, ana, name));
  await shiftByApi(hotline, ana, seeded, shiftCoveringNow());
  // One after another: each unlock is a PIN derivation that takes the CPU for a moment.
  await signInWithPin(admin, hotline, ana, ADMIN_PIN);
  for (const [i, [page]] of members.entries()) await signInWithPin(page, hotline, seeded[i]!, VOLUNTEER_PIN);
  for (const [page] of members) {
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'connected');
    await expect(page.getByTestId('on-shift-now')).toHaveText('You are on shift now.');
  }
}

/** Chromium with a granted fake microphone that plays `toneWav`. */
export const fakeMicrophoneLaunchOptions = (): LaunchOptions =>
  chromiumLaunchOptions([
    // A granted microphone that plays a generated tone.
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${toneWav(3)}`,
  ]);
