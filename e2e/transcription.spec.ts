import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createAuthHeader, generateSecretKey, getPublicKey, type SealedEnvelope } from '@llamenos/crypto';
import type { Page } from '@playwright/test';
import { createKeyThroughUi, expect, type Hotline, test } from './fixtures.js';
import { bootstrapAdmin, createInviteLink, navLink, unexpected, VOLUNTEER_PIN } from './helpers.js';
import { placeSimulatedCall } from './seed-api.js';
import { generateWhisperTestModel } from './whisper-test-model.js';

/**
 * Transcription in the browser, end to end (issue 16): the admin uploads the project's generated
 * random-weight whisper model (scripts/make-whisper-test-model.mjs) in the settings, a caller
 * leaves a voicemail through the simulated carrier, and the admin's browser decrypts it, runs
 * whisper.cpp (WebAssembly, in a worker) on it and stores the transcript sealed for the admins.
 * A second admin reads it in their browser; a volunteer gets nothing from the API. The text is
 * gibberish (random weights): the test asserts the pipeline, not the words.
 */

const CALLER = '+15550104242';

/** A NIP-98-signed request from Node, as a member whose key lives here. */
async function signed(hotline: Hotline, key: Uint8Array, method: string, route: string, body?: unknown) {
  const url = `${hotline.url}${route}`;
  const text = body === undefined ? '' : JSON.stringify(body);
  return fetch(url, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      authorization: createAuthHeader({ url, method, body: text }, key),
    },
    body: body === undefined ? undefined : text,
  });
}

/** Redeems an invite link with a key made here (no browser needed for this member). */
async function joinOverApi(hotline: Hotline, link: string, name: string): Promise<Uint8Array> {
  const key = generateSecretKey();
  const token = new URL(link).hash.slice(1);
  const response = await signed(hotline, key, 'POST', '/api/invites/redeem', { token, displayName: name });
  expect(response.status, await response.clone().text()).toBe(201);
  return key;
}

async function inviteAdmin(admin: Page, name: string): Promise<string> {
  await navLink(admin, 'Invites').click();
  await admin.getByLabel('Their name').fill(name);
  await admin.getByRole('checkbox', { name: 'Admin' }).check();
  await admin.getByRole('checkbox', { name: 'Volunteer' }).uncheck();
  await admin.getByRole('button', { name: 'Create invite link' }).click();
  const link = await admin.getByLabel('Invite link', { exact: true }).inputValue();
  await admin.getByRole('button', { name: 'I have sent it' }).click();
  return link;
}

/** The voicemail's row on the calls page, with its transcripts shown. */
async function openTranscripts(page: Page) {
  await navLink(page, 'Dashboard').click();
  await navLink(page, 'Calls').click();
  const row = page.getByTestId('call-history').getByRole('row').filter({ hasText: '…4242' });
  await row.getByRole('button', { name: /^Transcripts/ }).click();
  return row;
}

test('a voicemail is transcribed in the admin browser, sealed for the admins, not for a volunteer', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  // Two keys made in browsers, a 10 s queue timeout and whisper.cpp in the browser.
  test.setTimeout(90_000);
  const model = generateWhisperTestModel();
  const modelPath = model.path;
  const modelSha256 = model.sha256;

  try {
    await bootstrapAdmin(admin, hotline);
    // The volunteer first: the invite form keeps the roles last chosen.
    const volunteerLink = await createInviteLink(admin, 'Vera Volunteer');
    const walterLink = await createInviteLink(admin, 'Walter Volunteer');
    const secondAdminLink = await inviteAdmin(admin, 'Ada Second');
    const volunteerKey = await joinOverApi(hotline, volunteerLink, 'Vera Volunteer');
    const ada = await browser.newPage();
    ada.on('console', (m) => m.type() === 'error' && consoleErrors.push(`ada: ${m.text()}`));
    await ada.goto(secondAdminLink);
    await createKeyThroughUi(ada, 'Ada Second', VOLUNTEER_PIN);
    await expect(ada.getByRole('heading', { name: 'Hello, Ada Second' })).toBeVisible();

    await test.step('the admin switches transcription on and uploads the model; the page shows its SHA-256', async () => {
      await navLink(admin, 'Settings').click();
      const calls = admin.getByRole('form', { name: 'Calls' });
      await calls.getByLabel('Seconds a caller waits before voicemail').fill('10');
      await calls.getByRole('button', { name: 'Save Calls' }).click();
      await expect(calls.getByRole('status')).toHaveText('Saved.');
      const section = admin.getByRole('form', { name: 'Transcription' });
      await section.getByLabel('Offer transcription').check();
      await section.getByRole('button', { name: 'Save Transcription' }).click();
      await expect(section.getByRole('status')).toHaveText('Saved.');
      await expect(admin.getByTestId('transcription-no-model')).toBeVisible();
      await admin.getByLabel('Upload a model file').setInputFiles(modelPath);
      await expect(admin.getByTestId('transcription-upload')).toHaveAttribute('data-phase', 'done', {
        timeout: 30_000,
      });
      await expect(admin.getByTestId('transcription-model-sha256')).toHaveText(modelSha256);
    });

    await test.step('a caller leaves a voicemail (nobody on shift)', async () => {
      await navLink(admin, 'Calls').click();
      await placeSimulatedCall(hotline, CALLER);
      // The queue timeout (10 s) sends the caller to voicemail; the list follows the hub event,
      // and is re-read here too so a slow machine does not depend on it.
      const row = admin.getByTestId('call-history').getByRole('row').filter({ hasText: '…4242' });
      await expect(async () => {
        await navLink(admin, 'Dashboard').click();
        await navLink(admin, 'Calls').click();
        await expect(row.getByRole('button', { name: /^Play/ })).toBeVisible({ timeout: 5_000 });
      }).toPass({ timeout: 45_000 });
    });

    const callId =
      await test.step('the admin browser transcribes it: the transcript is listed with the call', async () => {
        // whisper.cpp's threads need SharedArrayBuffer: the server serves the app cross-origin isolated.
        expect(await admin.evaluate(() => crossOriginIsolated)).toBe(true);
        const row = await openTranscripts(admin);
        await expect(row.getByText('No transcript yet.')).toBeVisible();
        const posted = admin.waitForResponse(
          (r) => /\/api\/calls\/[0-9a-f-]+\/transcripts$/.test(r.url()) && r.request().method() === 'POST',
        );
        await row.getByRole('button', { name: 'Transcribe in this browser' }).click();
        const response = await posted;
        expect(response.status()).toBe(201);
        // What left the browser is an envelope: no text, sealed for both admins (not the volunteer).
        const body = response.request().postDataJSON() as { source: string; envelope: SealedEnvelope };
        expect(body.source).toBe('voicemail');
        expect(body.envelope.wraps.map((w) => w.reader)).not.toContain(getPublicKey(volunteerKey));
        expect(body.envelope.wraps).toHaveLength(2);
        const transcript = row.getByTestId('transcript');
        await expect(transcript).toHaveAttribute('data-state', 'open', { timeout: 45_000 });
        await expect(row.getByTestId('transcript-text')).not.toBeEmpty();
        return response.url().split('/').at(-2) as string;
      });
    const text = await admin.getByTestId('transcript-text').textContent();

    await test.step('the second admin reads the same text in their browser', async () => {
      const row = await openTranscripts(ada);
      await expect(row.getByTestId('transcript')).toHaveAttribute('data-state', 'open');
      await expect(row.getByTestId('transcript-text')).toHaveText(text ?? '');
    });

    await test.step('a volunteer in the browser has no calls page to read it on', async () => {
      const walter = await browser.newPage();
      walter.on('console', (m) => m.type() === 'error' && consoleErrors.push(`walter: ${m.text()}`));
      await walter.goto(walterLink);
      await createKeyThroughUi(walter, 'Walter Volunteer', VOLUNTEER_PIN);
      await expect(walter.getByRole('heading', { name: 'Hello, Walter Volunteer' })).toBeVisible();
      await walter.evaluate(() => {
        history.pushState(null, '', '/admin/calls');
        dispatchEvent(new PopStateEvent('popstate'));
      });
      await expect(walter.getByRole('alert')).toHaveText('You do not have permission to do this.');
      await expect(walter.getByTestId('transcript')).toHaveCount(0);
    });

    await test.step('the server never saw the text: not in its log; a volunteer gets no transcript', async () => {
      expect(text?.length).toBeGreaterThan(0);
      expect(hotline.output()).not.toContain(text);
      const listed = await signed(hotline, volunteerKey, 'GET', `/api/calls/${callId}/transcripts`);
      if (listed.status === 200) {
        const { transcripts } = (await listed.json()) as { transcripts: unknown[] };
        expect(transcripts).toEqual([]);
      } else expect([403, 404]).toContain(listed.status);
    });
  } finally {
    model.remove();
  }
  expect(unexpected(consoleErrors)).toEqual([]);
});

test('with automatic transcription on, an admin browser with the calls page open transcribes a new voicemail', async ({
  page: admin,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(90_000);
  const model = generateWhisperTestModel({ english: true });
  const modelPath = model.path;
  try {
    await bootstrapAdmin(admin, hotline);
    await navLink(admin, 'Settings').click();
    const calls = admin.getByRole('form', { name: 'Calls' });
    await calls.getByLabel('Seconds a caller waits before voicemail').fill('10');
    await calls.getByRole('button', { name: 'Save Calls' }).click();
    await expect(calls.getByRole('status')).toHaveText('Saved.');
    const section = admin.getByRole('form', { name: 'Transcription' });
    await section.getByLabel('Offer transcription').check();
    await section.getByLabel('Transcribe new voicemails automatically').check();
    await section.getByRole('button', { name: 'Save Transcription' }).click();
    await expect(section.getByRole('status')).toHaveText('Saved.');
    await admin.getByLabel('Upload a model file').setInputFiles(modelPath);
    await expect(admin.getByTestId('transcription-upload')).toHaveAttribute('data-phase', 'done', {
      timeout: 30_000,
    });

    await navLink(admin, 'Calls').click();
    const posted = admin.waitForResponse(
      (r) => /\/api\/calls\/[0-9a-f-]+\/transcripts$/.test(r.url()) && r.request().method() === 'POST',
      { timeout: 70_000 },
    );
    await placeSimulatedCall(hotline, CALLER);
    // Nobody clicks: the voicemail's hub event re-reads the list and this browser transcribes it.
    expect((await posted).status()).toBe(201);
    const row = admin.getByTestId('call-history').getByRole('row').filter({ hasText: '…4242' });
    await row.getByRole('button', { name: /^Transcripts/ }).click();
    await expect(row.getByTestId('transcript')).toHaveAttribute('data-state', 'open');
    // An English-only model transcribes as English whatever the call's language.
    await expect(row.getByTestId('transcript')).toContainText('English');
  } finally {
    model.remove();
  }
  expect(unexpected(consoleErrors)).toEqual([]);
});

/**
 * Providers deliver voicemails as MP3 (Twilio, Plivo), which the app decodes with the browser's
 * decodeAudioData and turns into 16 kHz mono (lib/transcription/decode-audio.ts, resample.ts).
 * Those two modules run here alone in Chromium, on a committed 1.5 s 440 Hz MP3 at 22.05 kHz
 * (scripts/make-mp3-voicemail-fixture.mjs: no MP3 encoder is needed at test time).
 */
test('an MP3 voicemail decodes to 16 kHz mono of its length with its tone; a corrupt one fails clearly', async ({
  page,
}) => {
  const { build } = await import('esbuild');
  const root = path.resolve(import.meta.dirname, '..');
  const bundle = await build({
    stdin: {
      contents: `
        import { audioForEngine } from './apps/web/src/lib/transcription/decode-audio.ts';
        import { toWhisperInput } from './apps/web/src/lib/transcription/resample.ts';
        window.decodeForWhisper = async (bytes, type) => {
          try {
            const audio = await audioForEngine(new Blob([new Uint8Array(bytes)], { type }));
            if (audio.kind !== 'pcm') return { error: 'not decoded by the browser: ' + audio.kind };
            const pcm = toWhisperInput(audio.channels, audio.sampleRate);
            return { pcm: Array.from(pcm), channels: audio.channels.length };
          } catch (e) {
            return { error: e.name, code: e.code };
          }
        };`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    conditions: ['llamenos-source'],
  });
  await page.setContent('<!doctype html><title>decode</title>');
  await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? '' });
  type Decoded = { pcm?: number[]; channels?: number; error?: string; code?: string };
  const decode = (bytes: Uint8Array, type = 'audio/mpeg') =>
    page.evaluate(
      ([b, t]) =>
        (
          window as never as { decodeForWhisper: (b: number[], t: string) => Promise<Decoded> }
        ).decodeForWhisper(b, t),
      [Array.from(bytes), type] as const,
    );

  const mp3 = readFileSync(path.join(import.meta.dirname, 'audio/voicemail-tone-440hz.mp3'));
  const { pcm, channels, error } = await decode(mp3);
  expect(error).toBeUndefined();
  expect(channels).toBe(1);
  const samples = Float32Array.from(pcm ?? []);
  // 1.5 s at 16 kHz, give or take the MP3 encoder's delay and last-frame padding (< 0.1 s).
  expect(samples.length).toBeGreaterThanOrEqual(24_000 - 1600);
  expect(samples.length).toBeLessThanOrEqual(24_000 + 1600);

  // The tone dominates: Goertzel power at 440 Hz against other frequencies, on the middle second.
  const middle = samples.subarray(4000, 20_000);
  const power = (hz: number) => {
    const k = 2 * Math.cos((2 * Math.PI * hz) / 16_000);
    let s1 = 0;
    let s2 = 0;
    for (const x of middle) [s1, s2] = [x + k * s1 - s2, s1];
    return s1 * s1 + s2 * s2 - k * s1 * s2;
  };
  for (const other of [220, 300, 660, 880, 1000, 3000])
    expect(power(440), `440 Hz against ${other} Hz`).toBeGreaterThan(100 * power(other));
  // And its zero crossings say 440 Hz (two per period), amplitude about the encoded 0.5.
  let crossings = 0;
  for (let i = 1; i < middle.length; i++) if ((middle[i - 1] ?? 0) < 0 !== (middle[i] ?? 0) < 0) crossings++;
  expect(crossings / 2).toBeGreaterThan(440 * 0.97);
  expect(crossings / 2).toBeLessThan(440 * 1.03);
  const peak = middle.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  expect(peak).toBeGreaterThan(0.4);
  expect(peak).toBeLessThan(0.6);

  // A corrupt MP3 (its frames overwritten) is the audio-decode error, which the page words as below.
  const corrupt = Uint8Array.from(mp3);
  for (let i = 0; i < corrupt.length; i++) corrupt[i] = (i * 7919) % 251;
  expect(await decode(corrupt)).toEqual({ error: 'TranscriptionError', code: 'audio-decode' });
  const en = JSON.parse(
    readFileSync(path.join(root, 'apps/web/src/i18n/features/transcription.en.json'), 'utf8'),
  );
  expect(en.transcription.errors['audio-decode']).toBe("The voicemail's audio could not be decoded.");
});
