import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createAuthHeader,
  fromUtf8,
  generateSecretKey,
  getPublicKey,
  openAsReader,
  PURPOSES,
  type SealedEnvelope,
} from '@llamenos/crypto';
import { type TranscriptForReader, type TranscriptPayload, transcriptRecordId } from '@llamenos/protocol';
import {
  expectAudioArrives,
  fakeMicrophoneLaunchOptions,
  incomingCard,
  newMember,
  onboardOnShift,
} from './call-audio-helpers.js';
import { expect, type Hotline, test } from './fixtures.js';
import { navLink, unexpected } from './helpers.js';

/**
 * A call answered in the browser, transcribed on the volunteer's device (issue 16): the admin
 * allows it and uploads the project's random-weight whisper model; a simulated caller calls and
 * the volunteer answers in the browser (fake microphones on both sides); while the call lasts
 * the card says it is being transcribed here; on End call the volunteer's browser transcribes
 * both sides and stores the text sealed for her and the admins; she reads it back with "Copy
 * into a note", and an admin (key held here, in Node) opens the same envelope. Gibberish text:
 * the test asserts the pipeline, not the words.
 */

test.use({ launchOptions: fakeMicrophoneLaunchOptions() });

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

test('a call answered in the browser is transcribed on the volunteer device, sealed for her and the admins', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(90_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'llamenos-whisper-'));
  const modelPath = path.join(dir, 'ggml-test.bin');
  execFileSync(process.execPath, ['scripts/make-whisper-test-model.mjs', modelPath], { stdio: 'ignore' });
  const vera = await newMember(browser, 'vera', consoleErrors);
  const caller = await newMember(browser, 'caller', consoleErrors);

  try {
    await onboardOnShift(admin, hotline, [[vera, 'Vera Volunteer']]);
    // A second admin whose key is here, to open the envelope in Node.
    await navLink(admin, 'Invites').click();
    await admin.getByLabel('Their name').fill('Ada Second');
    await admin.getByRole('checkbox', { name: 'Admin' }).check();
    await admin.getByRole('checkbox', { name: 'Volunteer' }).uncheck();
    await admin.getByRole('button', { name: 'Create invite link' }).click();
    const adaLink = await admin.getByLabel('Invite link', { exact: true }).inputValue();
    await admin.getByRole('button', { name: 'I have sent it' }).click();
    const ada = generateSecretKey();
    const redeemed = await signed(hotline, ada, 'POST', '/api/invites/redeem', {
      token: new URL(adaLink).hash.slice(1),
      displayName: 'Ada Second',
    });
    expect(redeemed.status, await redeemed.clone().text()).toBe(201);

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
      await caller.goto(`${hotline.url}/api/simulator`);
      await caller.locator('#from').fill('+15551234567');
      await caller.getByRole('button', { name: 'Call the hotline' }).click();
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
    const { callId, envelope } =
      await test.step('End call: her browser transcribes the call and stores only an envelope', async () => {
        await vera.getByRole('button', { name: 'End call' }).click();
        const response = await posted;
        expect(response.status(), await response.text()).toBe(201);
        const body = response.request().postDataJSON() as { source: string; envelope: SealedEnvelope };
        expect(body.source).toBe('call');
        // Sealed for Vera and both admins, nobody else.
        expect(body.envelope.wraps).toHaveLength(3);
        expect(body.envelope.wraps.map((w) => w.reader)).toContain(getPublicKey(ada));
        return { callId: response.url().split('/').at(-2) as string, envelope: body.envelope };
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

    await test.step('the admin opens the same transcript; the server never saw its text', async () => {
      const listed = await signed(hotline, ada, 'GET', `/api/calls/${callId}/transcripts`);
      expect(listed.status).toBe(200);
      const [transcript] = ((await listed.json()) as { transcripts: TranscriptForReader[] }).transcripts;
      expect(transcript?.ciphertext).toBe(envelope.ciphertext);
      const payload = JSON.parse(
        fromUtf8(
          openAsReader(
            { v: 1, ciphertext: transcript!.ciphertext, wraps: transcript!.wrap ? [transcript!.wrap] : [] },
            ada,
            { purpose: PURPOSES.transcript, recordId: transcriptRecordId(transcript!.id) },
          ),
        ),
      ) as TranscriptPayload;
      expect(payload.source).toBe('call');
      expect(payload.text || '(no speech recognised)').toBe(text);
      if (payload.text.length > 3) expect(hotline.output()).not.toContain(payload.text);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(unexpected(consoleErrors)).toEqual([]);
});
