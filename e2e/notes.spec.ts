import { readFileSync, writeFileSync } from 'node:fs';
import type { BrowserContext, Page } from '@playwright/test';
import { createKeyThroughUi, expect, test } from './fixtures.js';
import {
  ADMIN_PIN,
  bootstrapAdmin,
  createInviteLink,
  flipChar,
  navLink,
  unexpected,
  VOLUNTEER_PIN,
  watchConsole,
} from './helpers.js';

const DECRYPT_FAILED =
  'This note could not be decrypted: it may have been altered, or was not shared with your key.';
const NOT_SHARED_YET = 'This note has not been shared with your key yet.';

/** In-app navigation (a page load would lock the key, which lives in memory only). */
async function goInApp(page: Page, path: string) {
  await page.evaluate((to) => {
    history.pushState(null, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

/** Every request body (and URL) a page sends. */
function recordRequests(page: Page): string[] {
  const sent: string[] = [];
  page.on('request', (r) => sent.push(`${r.method()} ${r.url()}\n${r.postData() ?? ''}`));
  return sent;
}

async function joinByInvite(context: BrowserContext, link: string, name: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(link);
  await createKeyThroughUi(page, name, VOLUNTEER_PIN);
  await expect(page.getByRole('heading', { name: `Hello, ${name}` })).toBeVisible();
  return page;
}

async function openNotes(page: Page) {
  await navLink(page, 'Dashboard').click();
  await navLink(page, 'Notes').click();
  await expect(page.getByRole('heading', { name: 'Call notes', level: 1 })).toBeVisible();
  await expect(page.getByTestId('notes-progress')).toHaveAttribute('data-complete', 'true');
}

async function writeNote(page: Page, text: string, mood: string, risk: string) {
  await page.getByLabel('Note', { exact: true }).fill(text);
  await page.getByLabel('Caller mood (required)').fill(mood);
  await page.getByLabel('Risk level').selectOption(risk);
  await page.getByRole('button', { name: 'Save note' }).click();
  await expect(page.getByRole('heading', { name: 'Note', level: 1, exact: true })).toBeVisible();
  await expect(page.getByTestId('note-text')).toHaveText(text);
  return page.url().split('/').pop() ?? '';
}

// A volunteer writes an encrypted note with the hotline's custom fields; an admin reads it;
// another volunteer cannot; a second admin is granted access from the first admin's browser;
// an altered or moved ciphertext or wrap is reported clearly; only ciphertext leaves the browser.
test('notes: write with custom fields, read as admin, grant a new admin, tamper, no plaintext on the wire', async ({
  page: admin,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(180_000);
  const marker = `MARKER-${Math.random().toString(36).slice(2, 10)}`;
  const noteText = `${marker} caller talked about the eviction; feels calmer now`;

  await test.step('the admin bootstraps and adds a required text field and a select field', async () => {
    await bootstrapAdmin(admin, hotline);
    await navLink(admin, 'Settings').click();
    const form = admin.getByRole('form', { name: 'Note fields' });
    await form.getByRole('button', { name: 'Add a field' }).click();
    await form.getByLabel('Label').nth(0).fill('Caller mood');
    await form.getByRole('checkbox', { name: 'Required' }).nth(0).check();
    await form.getByRole('button', { name: 'Add a field' }).click();
    await form.getByLabel('Label').nth(1).fill('Risk level');
    await form.getByLabel('Type').nth(1).selectOption('select');
    await form.getByLabel('Choices (one per line)').fill('low\nmedium\nhigh');
    await form.getByRole('button', { name: 'Save Note fields' }).click();
    await expect(form.getByRole('status').last()).toHaveText('Saved.');
  });

  const veraLink = await createInviteLink(admin, 'Vera Volunteer');
  const walterLink = await createInviteLink(admin, 'Walter Volunteer');

  const veraContext = await browser.newContext();
  watchConsole(veraContext, 'vera', consoleErrors);
  const vera = await joinByInvite(veraContext, veraLink, 'Vera Volunteer');
  const veraRequests = recordRequests(vera);

  const noteId =
    await test.step('the volunteer writes a note for a call; the required field is enforced', async () => {
      await navLink(vera, 'Notes').click();
      await expect(vera.getByRole('heading', { name: 'Call notes', level: 1 })).toBeVisible();
      await goInApp(vera, '/notes/new?callId=CA-e2e-1');
      await expect(vera.getByRole('heading', { name: 'New note', level: 1 })).toBeVisible();
      await expect(vera.getByText('Call CA-e2e-1')).toBeVisible();
      await vera.getByLabel('Note', { exact: true }).fill(noteText);
      await vera.getByLabel('Risk level').selectOption('medium');
      // Leaving a field saves an encrypted draft on this device.
      await vera.getByLabel('Risk level').blur();
      await expect(vera.getByTestId('draft-status')).toContainText('Draft saved');
      const posts = veraRequests.length;
      await vera.getByRole('button', { name: 'Save note' }).click();
      await expect(vera.getByRole('alert').filter({ hasText: 'Please fix 1 problem below.' })).toBeVisible();
      await expect(vera.getByText('This is required.')).toBeVisible();
      await expect(vera.getByLabel('Caller mood (required)')).toHaveAttribute('aria-invalid', 'true');
      expect(veraRequests.slice(posts).filter((r) => r.startsWith('POST'))).toEqual([]);

      // The draft survives leaving the editor, and comes back for the same call.
      await navLink(vera, 'Dashboard').click();
      await goInApp(vera, '/notes/new?callId=CA-e2e-1');
      await expect(vera.getByText(/Your unsaved draft from .* was restored/)).toBeVisible();
      await expect(vera.getByLabel('Note', { exact: true })).toHaveValue(noteText);
      const stored = await vera.evaluate(() => JSON.stringify({ ...localStorage }));
      expect(stored).toContain('llamenos.note-draft.');
      expect(stored).not.toContain(marker);

      await vera.getByLabel('Caller mood (required)').fill('calm');
      await vera.getByRole('button', { name: 'Save note' }).click();
      await expect(vera.getByRole('heading', { name: 'Note', level: 1, exact: true })).toBeVisible();
      await expect(vera.getByTestId('note-text')).toHaveText(noteText);
      const view = vera.getByRole('article', { name: 'Note content' });
      await expect(view).toContainText('Caller mood');
      await expect(view).toContainText('calm');
      await expect(view).toContainText('medium');
      // Saved: the draft is gone.
      expect(
        await vera.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('note-draft'))),
      ).toEqual([]);
      return vera.url().split('/').pop() ?? '';
    });
  expect(noteId).toMatch(/^[0-9a-f-]{36}$/);

  await test.step('the volunteer edits the note; the history keeps version 1', async () => {
    await vera.getByRole('button', { name: 'Edit note' }).click();
    await vera.getByLabel('Note', { exact: true }).fill(`${noteText} (follow-up planned)`);
    await vera.getByRole('button', { name: 'Save note' }).click();
    await expect(vera.getByText('Note saved.')).toBeVisible();
    await expect(vera.getByTestId('note-text')).toHaveText(`${noteText} (follow-up planned)`);
    await vera.getByRole('button', { name: 'Show version 1' }).click();
    await expect(vera.getByRole('article', { name: 'Version 1' })).toContainText(noteText);
    await expect(vera.getByRole('article', { name: 'Version 1' })).not.toContainText('follow-up');
  });

  await test.step("only ciphertext left the volunteer's browser", async () => {
    const withPost = veraRequests.filter((r) => r.startsWith('POST') || r.startsWith('PUT'));
    expect(withPost.some((r) => r.includes('/api/notes'))).toBe(true);
    expect(veraRequests.filter((r) => r.includes(marker) || r.includes('eviction'))).toEqual([]);
  });

  await test.step('the admin reads the note in another context', async () => {
    await openNotes(admin);
    const row = admin.getByTestId('note-row').filter({ hasText: marker });
    await expect(row).toContainText('Vera Volunteer');
    await expect(row).toContainText('Call CA-e2e-1');
    await row.getByRole('link').click();
    await expect(admin.getByTestId('note-text')).toHaveText(`${noteText} (follow-up planned)`);
    await expect(admin.getByTestId('note-author')).toHaveText('Vera Volunteer');
    await expect(admin.getByRole('article', { name: 'Note content' })).toContainText('calm');
    // Search runs over decrypted notes in the browser.
    await openNotes(admin);
    await admin.getByLabel('Search notes').fill('EVICTION calmer');
    await expect(admin.getByTestId('notes-progress')).toContainText('1 matches the search.');
    await admin.getByLabel('Search notes').fill('nothing-like-this');
    await expect(admin.getByTestId('note-row')).toHaveCount(0);
  });

  const walterContext = await browser.newContext();
  watchConsole(walterContext, 'walter', consoleErrors);
  const walter = await joinByInvite(walterContext, walterLink, 'Walter Volunteer');

  await test.step("a second volunteer sees only their own notes and cannot open another's", async () => {
    await openNotes(walter);
    await expect(walter.getByText('No notes.')).toBeVisible();
    await goInApp(walter, `/notes/${noteId}`);
    await expect(walter.getByRole('alert')).toContainText('Not found');
    await expect(walter.getByTestId('note-text')).toHaveCount(0);
    // Walter writes a note of his own (used below).
    await openNotes(walter);
    await walter.getByRole('link', { name: 'Write a note' }).click();
    await writeNote(walter, 'Walter: short call, no follow-up', 'tired', 'low');
  });

  const adaLink = await test.step('the admin invites a second admin', async () => {
    await navLink(admin, 'Invites').click();
    await admin.getByLabel('Their name').fill('Ada Second');
    await admin.getByRole('checkbox', { name: 'Admin' }).check();
    await admin.getByRole('checkbox', { name: 'Volunteer' }).uncheck();
    await admin.getByRole('button', { name: 'Create invite link' }).click();
    const link = await admin.getByLabel('Invite link', { exact: true }).inputValue();
    await admin.getByRole('button', { name: 'I have sent it' }).click();
    return link;
  });
  const adaContext = await browser.newContext();
  watchConsole(adaContext, 'ada', consoleErrors);
  const ada = await joinByInvite(adaContext, adaLink, 'Ada Second');

  await test.step('the new admin cannot read older notes until access is granted', async () => {
    await openNotes(ada);
    await expect(ada.getByTestId('note-row')).toHaveCount(2);
    await expect(ada.getByTestId('note-failed').first()).toContainText(NOT_SHARED_YET);
  });

  await test.step('the first admin grants access from their browser; the progress bar reaches 100%', async () => {
    await navLink(admin, 'Grant access').click();
    await expect(admin.getByRole('heading', { name: 'Grant access to notes', level: 1 })).toBeVisible();
    await admin.getByLabel('Admin to grant access to').selectOption({ label: 'Ada Second' });
    // Two versions of Vera's note and one of Walter's.
    await expect(admin.getByTestId('grant-status')).toContainText('0 of 3 note versions (0%)');
    await admin.getByRole('button', { name: 'Grant access' }).click();
    await expect(admin.getByTestId('grant-status')).toContainText('3 of 3 note versions (100%)');
    await expect(admin.getByRole('progressbar')).toHaveAttribute('value', '3');
    await expect(admin.getByText('Ada Second can now read every note you can read.')).toBeVisible();
  });

  await test.step('the second admin now reads the note, and its history', async () => {
    await openNotes(ada);
    await expect(ada.getByTestId('note-failed')).toHaveCount(0);
    await ada.getByTestId('note-row').filter({ hasText: marker }).getByRole('link').click();
    await expect(ada.getByTestId('note-text')).toHaveText(`${noteText} (follow-up planned)`);
    await ada.getByRole('button', { name: 'Show version 1' }).click();
    await expect(ada.getByRole('article', { name: 'Version 1' })).toContainText(noteText);
  });

  await test.step('an altered ciphertext and a wrap moved to another note fail with a clear message', async () => {
    await admin.route(/\/api\/notes\?/, async (route) => {
      const response = await route.fetch();
      const page = (await response.json()) as {
        notes: { id: string; ciphertext: string; wrap: { wrap: string } | null }[];
      };
      const vNote = page.notes.find((n) => n.id === noteId);
      const other = page.notes.find((n) => n.id !== noteId);
      if (vNote && other?.wrap && vNote.wrap) {
        // Vera's note: one character of the ciphertext changed. Walter's: Vera's wrap in place of its own.
        vNote.ciphertext = flipChar(vNote.ciphertext, 40);
        other.wrap = { ...other.wrap, wrap: vNote.wrap.wrap };
      }
      await route.fulfill({ response, json: page });
    });
    await openNotes(admin);
    await expect(admin.getByTestId('note-failed')).toHaveCount(2);
    await expect(admin.getByTestId('note-failed').first()).toHaveText(DECRYPT_FAILED);
    await expect(
      admin.getByRole('alert').filter({ hasText: '2 notes could not be decrypted.' }),
    ).toBeVisible();
    await expect(admin.getByText(marker)).toHaveCount(0);
    await admin.unroute(/\/api\/notes\?/);
    // Untouched data opens again (the cache never serves a different ciphertext).
    await openNotes(admin);
    await expect(admin.getByTestId('note-failed')).toHaveCount(0);
    await expect(admin.getByTestId('note-row').filter({ hasText: marker })).toHaveCount(1);
  });

  await test.step('the admin downloads an encrypted export (chunked, for their key only) and opens it again', async () => {
    await openNotes(admin);
    const downloading = admin.waitForEvent('download');
    await admin.getByRole('button', { name: 'Download encrypted export' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^llamenos-notes-[0-9-]+\.llamenos-export$/);
    const done = admin.getByText(/^Encrypted export of \d+ notes? downloaded\.$/);
    await expect(done).toBeVisible();
    const count = Number(/of (\d+) note/.exec((await done.textContent()) ?? '')?.[1]);
    expect(count).toBeGreaterThanOrEqual(2);
    const file = test.info().outputPath('notes.llamenos-export');
    await download.saveAs(file);

    // A JSON header line naming one reader, then the STREAM ciphertext (version 1, 64 KiB chunks).
    const bytes = readFileSync(file);
    const newline = bytes.indexOf(0x0a);
    const header = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(header).sort()).toEqual([
      'createdAt',
      'exportId',
      'format',
      'reader',
      'version',
      'wrap',
    ]);
    expect(header).toMatchObject({ format: 'llamenos-notes-export', version: 2 });
    expect([bytes[newline + 1], bytes[newline + 2]]).toEqual([1, 16]);
    expect(bytes.includes(marker)).toBe(false);
    expect(bytes.includes('eviction')).toBe(false);

    await admin.getByRole('link', { name: 'Open an export file' }).click();
    await expect(admin.getByRole('heading', { name: 'Open an export file', level: 1 })).toBeVisible();
    const openWith = async (path: string) => {
      await admin.getByLabel('Encrypted export file').setInputFiles(path);
      await admin.getByLabel('Enter your PIN again').fill(ADMIN_PIN);
      await admin.getByRole('button', { name: 'Open the file' }).click();
    };

    // A cut file and an altered key wrap are refused with a clear sentence.
    const cut = test.info().outputPath('cut.llamenos-export');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
    await openWith(cut);
    await expect(admin.getByRole('alert')).toHaveText(
      'This file is incomplete: it was cut short or its end was altered.',
    );
    const altered = test.info().outputPath('altered.llamenos-export');
    const badHeader = { ...header, wrap: flipChar(String(header.wrap), 60) };
    writeFileSync(altered, Buffer.concat([Buffer.from(JSON.stringify(badHeader)), bytes.subarray(newline)]));
    await openWith(altered);
    await expect(admin.getByRole('alert')).toHaveText(
      'This file could not be decrypted: it has been altered or damaged.',
    );
    await expect(admin.getByTestId('open-export-result')).toHaveCount(0);

    await openWith(file);
    await expect(admin.getByTestId('open-export-summary')).toContainText(`The file holds ${count} notes`);
    const saving = admin.waitForEvent('download');
    await admin.getByRole('button', { name: 'Save readable JSON' }).click();
    const saved = await saving;
    const content = JSON.parse(readFileSync(await saved.path(), 'utf8')) as {
      notes: { id: string; text: string | null; status: string }[];
    };
    expect(content.notes).toHaveLength(count);
    expect(content.notes.find((n) => n.id === noteId)).toMatchObject({
      text: `${noteText} (follow-up planned)`,
      status: 'ok',
    });
  });

  await veraContext.close();
  await walterContext.close();
  await adaContext.close();
  // Walter's attempt on Vera's note is a deliberate 404.
  expect(
    unexpected(consoleErrors, /^walter: .*status of 404 .*\/api\/notes\/[0-9a-f-]{36}(\/versions)?$/),
  ).toEqual([]);
});
