import { expect, startHotline, test } from './fixtures.js';
import { bootstrapAdmin, navLink, unexpected } from './helpers.js';
import { generateWhisperTestModel } from './whisper-test-model.js';

/**
 * Transcription without cross-origin isolation (issue 16): a server started with
 * CROSS_ORIGIN_ISOLATION=off sends no COOP/COEP, so the page has no SharedArrayBuffer and the
 * threaded whisper.cpp cannot start. The browser then runs the single-threaded build
 * (apps/web/vendor/whisper-single-thread): the settings say it may be slower, and a voicemail is
 * transcribed and sealed all the same. The generated random-weight model (its text is gibberish)
 * proves the pipeline; e2e/transcription.spec.ts covers the readers and the leak checks.
 */

test('with cross-origin isolation off, the admin browser transcribes a voicemail with the single-threaded engine', async ({
  page: admin,
  consoleErrors,
}) => {
  test.setTimeout(90_000);
  const model = generateWhisperTestModel();
  const modelPath = model.path;
  const hotline = await startHotline({ CROSS_ORIGIN_ISOLATION: 'off' });
  try {
    await bootstrapAdmin(admin, hotline);
    expect(await admin.evaluate(() => crossOriginIsolated)).toBe(false);

    await navLink(admin, 'Settings').click();
    const calls = admin.getByRole('form', { name: 'Calls' });
    await calls.getByLabel('Seconds a caller waits before voicemail').fill('10');
    await calls.getByRole('button', { name: 'Save Calls' }).click();
    await expect(calls.getByRole('status')).toHaveText('Saved.');
    // The caller waits out the queue timeout (nobody on shift) while transcription is set up.
    const voicemail = await fetch(`${hotline.url}/api/simulator/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+15550104343' }),
    });
    expect(voicemail.status, await voicemail.clone().text()).toBe(201);
    const section = admin.getByRole('form', { name: 'Transcription' });
    await section.getByLabel('Offer transcription').check();
    await section.getByRole('button', { name: 'Save Transcription' }).click();
    await expect(section.getByRole('status')).toHaveText('Saved.');
    // Slower, not impossible.
    await expect(
      admin.getByText(
        /turned off on this server \(CROSS_ORIGIN_ISOLATION=off\), so browsers transcribe without/,
      ),
    ).toBeVisible();
    await admin.getByLabel('Upload a model file').setInputFiles(modelPath);
    await expect(admin.getByTestId('transcription-upload')).toHaveAttribute('data-phase', 'done', {
      timeout: 30_000,
    });

    await navLink(admin, 'Calls').click();
    // After the 10 s queue timeout the caller has left a voicemail.
    const row = admin.getByTestId('call-history').getByRole('row').filter({ hasText: '…4343' });
    await expect(async () => {
      await navLink(admin, 'Dashboard').click();
      await navLink(admin, 'Calls').click();
      await expect(row.getByRole('button', { name: /^Play/ })).toBeVisible({ timeout: 5_000 });
    }).toPass({ timeout: 45_000 });

    await row.getByRole('button', { name: /^Transcripts/ }).click();
    await expect(admin.getByTestId('transcription-unavailable')).toHaveCount(0);
    const posted = admin.waitForResponse(
      (r) => /\/api\/calls\/[0-9a-f-]+\/transcripts$/.test(r.url()) && r.request().method() === 'POST',
      { timeout: 60_000 },
    );
    const engineFetched = admin.waitForResponse((r) => /whisper-single-thread-[^/]+\.wasm$/.test(r.url()));
    await row.getByRole('button', { name: 'Transcribe in this browser' }).click();
    expect((await engineFetched).status()).toBe(200);
    const response = await posted;
    expect(response.status()).toBe(201);
    // Sealed in the browser: what was posted is an envelope for the one admin, no text.
    const body = response.request().postDataJSON() as { source: string; envelope: { wraps: unknown[] } };
    expect(body.source).toBe('voicemail');
    expect(body.envelope.wraps).toHaveLength(1);
    await expect(row.getByTestId('transcript')).toHaveAttribute('data-state', 'open', { timeout: 30_000 });
    await expect(row.getByTestId('transcript-text')).not.toBeEmpty();
  } finally {
    // Off the app first: a poll still in flight when the server stops would log a refused
    // connection in the console (a race of the test's end, not of the app).
    await admin.goto('about:blank').catch(() => {});
    await hotline.stop();
    model.remove();
  }
  expect(unexpected(consoleErrors)).toEqual([]);
});
