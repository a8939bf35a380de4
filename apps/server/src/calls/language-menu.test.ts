import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callerEntersStasis,
  connectAsterisk,
  finishPlaybacks,
  TEST_ARI_ACCOUNT,
} from '../../test/ari-helpers.js';
import { type CallServer, fakeCaller, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { FakeAri } from '../../test/fakes/ari.js';
import { languageMenuPage } from './documents.js';

/**
 * The IVR language menu offers every enabled language, however many: a keypad has nine keys,
 * so the thirteen languages the web client speaks come on two pages (issue 15).
 */

const THIRTEEN = ['en', 'es', 'fr', 'ar', 'zh', 'vi', 'ko', 'ru', 'uk', 'pt', 'ht', 'tl', 'fa'];

describe('languageMenuPage', () => {
  it('puts up to nine languages on one page, more eight to a page with 9 to turn it', () => {
    expect(languageMenuPage(['en', 'es'], 0)).toEqual({ first: 0, choices: ['en', 'es'], later: [] });
    const nine = THIRTEEN.slice(0, 9);
    expect(languageMenuPage(nine, 0)).toEqual({ first: 0, choices: nine, later: [] });
    expect(languageMenuPage(THIRTEEN, 0)).toEqual({
      first: 0,
      choices: THIRTEEN.slice(0, 8),
      later: THIRTEEN.slice(8),
    });
    expect(languageMenuPage(THIRTEEN, 1)).toEqual({ first: 8, choices: THIRTEEN.slice(8), later: [] });
    // The most a hotline may enable (20) still fits, on three pages.
    const twenty = [...THIRTEEN, 'hi', 'ur', 'bn', 'pl', 'de', 'it', 'sw'];
    expect(languageMenuPage(twenty, 1).later).toEqual(twenty.slice(16));
    expect(languageMenuPage(twenty, 2)).toEqual({ first: 16, choices: twenty.slice(16), later: [] });
  });
});

describe('a call to a hotline with thirteen languages', () => {
  let s: CallServer;
  beforeAll(async () => {
    s = await startCallServer();
    await s.addUser(['admin'], { name: 'Admin' });
    await s.setSettings((x) => ({ ...x, languages: THIRTEEN, calls: { ...x.calls, ivrLanguageMenu: true } }));
  });
  afterAll(() => s?.close());

  const rowOf = async (phone: { sid: string }) =>
    (await s.db.query('select * from calls where provider_call_id = $1', [phone.sid]))[0]!;

  it('offers all thirteen: the later five are told to press 9, then choose on the next page', async () => {
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    expect(caller.heard).toHaveLength(13);
    expect(caller.heard[0]).toBe('For English, press 1.');
    expect(caller.heard[7]).toBe('Для русского языка нажмите 8.');
    expect(caller.heard.slice(8)).toEqual([
      'Для української мови натисніть 9.',
      'Para português, digite 9.',
      'Pou kreyòl, peze 9.',
      'Para sa Tagalog, pindutin ang 9.',
      'برای فارسی، 9 را فشار دهید.',
    ]);
    await s.carrier.pressDigits(caller.sid, '9');
    await s.settle();
    expect((await rowOf(caller)).status).toBe('arriving');
    expect(caller.heard.slice(13)).toEqual([
      '(pressed 9)',
      'Для української мови натисніть 1.',
      'Para português, digite 2.',
      'Pou kreyòl, peze 3.',
      'Para sa Tagalog, pindutin ang 4.',
      'برای فارسی، 5 را فشار دهید.',
    ]);
    await s.carrier.pressDigits(caller.sid, '4');
    await s.settle();
    const call = await rowOf(caller);
    expect(call.status).not.toBe('arriving');
    expect(call.language).toBe('tl');
  });

  it('a key on the first page picks from it; a key with no language there takes the first language', async () => {
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.carrier.pressDigits(caller.sid, '3');
    await s.settle();
    expect((await rowOf(caller)).language).toBe('fr');
    const second = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.carrier.pressDigits(second.sid, '9');
    await s.settle();
    await s.carrier.pressDigits(second.sid, '7');
    await s.settle();
    expect((await rowOf(second)).language).toBe('en');
  });
});

describe('the same menu through Asterisk (ARI), whose key presses carry no page', () => {
  const NUMBER = '+15559870003';
  let fake: FakeAri;
  let s: CallServer;
  let stopFinishing = () => {};
  beforeAll(async () => {
    fake = await FakeAri.start(TEST_ARI_ACCOUNT);
    stopFinishing = finishPlaybacks(fake);
    s = await startCallServer();
    await s.setSettings((x) => ({ ...x, languages: THIRTEEN, calls: { ...x.calls, ivrLanguageMenu: true } }));
    await connectAsterisk(s.ctx, fake, NUMBER);
  });
  afterAll(async () => {
    stopFinishing();
    await s?.close();
    await fake?.close();
  });

  it('9 turns the page, then 4 picks Tagalog (on the first page 4 is Arabic)', async () => {
    // Each menu page is one playback of all its prompts.
    const played = fake.playbacks.length;
    const channel = callerEntersStasis(fake, NUMBER, '+15551230009');
    const row = async () =>
      (await s.db.query('select * from calls where provider_call_id = $1', [channel]))[0];
    await waitFor(async () => (await row())?.status === 'arriving', 'the menu');
    const press = (digit: string) =>
      fake.emit({ type: 'ChannelDtmfReceived', digit, channel: { id: channel } });
    await waitFor(() => fake.playbacks.length >= played + 1, 'the first page read out');
    press('9');
    await waitFor(() => fake.playbacks.length >= played + 2, 'the second page read out');
    expect((await row())?.status).toBe('arriving');
    press('4');
    await waitFor(async () => (await row())?.status !== 'arriving', 'a language chosen');
    expect((await row())?.language).toBe('tl');
    fake.emit({ type: 'ChannelDestroyed', cause: 16, channel: { id: channel } });
    await waitFor(async () => (await row())?.ended_at != null, 'the call ended');
    await s.settle();
  });
});
