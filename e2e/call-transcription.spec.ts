import type { SealedEnvelope } from '@llamenos/crypto';
import {
  callFromSimulatorPage,
  expectAudioArrives,
  fakeMicrophoneLaunchOptions,
  incomingCard,
  newMember,
  onboardOnShift,
} from './call-audio-helpers.js';
import { expect, test } from './fixtures.js';
import { navLink, unexpected } from './helpers.js';
import { generateWhisperTestModel } from './whisper-test-model.js';

/**
 * A call answered in the browser, transcribed on the volunteer's device (issue 16): the admin
 * allows it and uploads the project's random-weight whisper model; a simulated caller calls and
 * the volunteer answers in the browser (fake microphones on both sides); while the call lasts
 * the card says it is being transcribed here; on End call the volunteer's browser transcribes
 * both sides and stores the text sealed for her and the admin; she reads it back and copies it
 * into a note, and the admin reads the same text on the call's page. Gibberish text (random
 * weights): the test asserts the pipeline, not the words.
 */

test.use({ launchOptions: fakeMicrophoneLaunchOptions() });

test('a call answered in the browser is transcribed on the volunteer device, sealed for her and the admins', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(90_000);
  const model = generateWhisperTestModel();
  const modelPath = model.path;
  const vera = await newMember(browser, 'vera', consoleErrors);
  const caller = await newMember(browser, 'caller', consoleErrors);

  try {
    await onboardOnShift(admin, hotline, [[vera, 'Vera Volunteer']]);
    await test.step('the admin allows transcription of browser calls and uploads the model', async () => {
      await navLink(admin, 'Settings').click();
      const section = admin.getByRole('form', { name: 'Transcription' });
      await section.getByLabel('Offer transcription').check();
      await section.getByLabel('Transcribe calls answered in the browser').check();
      await section.getByRole('button', { name: 'Save Transcription' }).click();
      await expect(section.getByRole('status')).toHaveText('Saved.');
      await admin.getByLabel('Upload a model file').setInputFiles(modelPath);
      await expect(admin.getByTestId('transcription-upload')).toHaveAttribute('data-phase', 'done', {
        timeout: 30_000,
      });
    });

    await test.step('Vera sees the choice and what it means in My settings (on unless she opts out)', async () => {
      await navLink(vera, 'My settings').click();
      const panel = vera.getByRole('form', { name: 'Call transcription' });
      await expect(panel.getByLabel('Transcribe the calls I answer in the browser')).toBeChecked();
      await expect(panel).toContainText("recorded in this browser's memory only while the call lasts");
      await expect(panel).not.toContainText('does not transcribe calls at the moment');
      await navLink(vera, 'Dashboard').click();
    });

    await test.step('a caller calls; Vera answers in the browser; the card says the call is transcribed here', async () => {
      await callFromSimulatorPage(caller, hotline);
      await incomingCard(vera).getByRole('button', { name: 'Answer' }).click();
      await expect(vera.getByTestId('call-audio')).toHaveAttribute('data-status', 'connected');
      await expectAudioArrives(vera, 'the volunteer');
      const notice = vera.getByTestId('call-transcription');
      await expect(notice).toHaveAttribute('data-phase', 'recording');
      await expect(notice).toContainText('Transcribing this call on this device');
      await vera.waitForTimeout(1_500); // a moment of both voices
    });

    const posted = vera.waitForResponse(
      (r) => /\/api\/calls\/[0-9a-f-]+\/transcripts$/.test(r.url()) && r.request().method() === 'POST',
      { timeout: 45_000 },
    );
    const callId =
      await test.step('End call: her browser transcribes the call and stores only an envelope', async () => {
        await vera.getByRole('button', { name: 'End call' }).click();
        const response = await posted;
        expect(response.status(), await response.text()).toBe(201);
        const body = response.request().postDataJSON() as { source: string; envelope: SealedEnvelope };
        expect(body.source).toBe('call');
        // Sealed for Vera and the admin, nobody else.
        expect(body.envelope.wraps).toHaveLength(2);
        return response.url().split('/').at(-2) as string;
      });

    const text =
      await test.step('Vera reads the transcript back on the card and can copy it into a note', async () => {
        const notice = vera.getByTestId('call-transcription');
        await expect(notice).toHaveAttribute('data-phase', 'done');
        await expect(notice.getByTestId('transcript')).toHaveAttribute('data-state', 'open');
        await expect(notice.getByTestId('transcript')).toContainText('Call transcript');
        const shown = (await notice.getByTestId('transcript-text').textContent()) ?? '';
        const copy = notice.getByRole('button', { name: 'Copy into a note' });
        // Random weights may recognise nothing; with text, it goes into a new note for the call.
        if (await copy.isVisible()) {
          await copy.click();
          await expect(vera).toHaveURL(/\/notes\/new\?callId=/);
          await expect(vera.locator('textarea').first()).toHaveValue(shown);
        }
        return shown;
      });

    test.info().annotations.push({ type: 'transcript (random weights)', description: text });

    await test.step("the admin reads the same text on the call's page; the server never saw it", async () => {
      await admin.evaluate((id) => {
        history.pushState(null, '', `/calls/${id}`);
        dispatchEvent(new PopStateEvent('popstate'));
      }, callId);
      const transcript = admin.getByTestId(`transcripts-${callId}`).getByTestId('transcript');
      await expect(transcript).toHaveAttribute('data-state', 'open');
      await expect(transcript).toContainText('Call transcript');
      await expect(transcript.getByTestId('transcript-text')).toHaveText(text);
      if (text.length > 3 && text !== '(no speech recognised)') expect(hotline.output()).not.toContain(text);
    });
  } finally {
    model.remove();
  }
  expect(unexpected(consoleErrors)).toEqual([]);
});
