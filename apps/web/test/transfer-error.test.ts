/**
 * Why a transfer did not happen, in the member's language: the server's reason for a hand-over
 * nobody took (calls/transfer-provider.ts) picks the sentence, in every shipped locale; any other
 * refusal is shown as every error is.
 */
import i18next from 'i18next';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransferError } from '../src/components/TransferError.js';
import { ApiRequestError } from '../src/lib/api/index.js';
import { ALL_LOCALES } from './locales.js';

beforeAll(async () => {
  await i18next.use(initReactI18next).init({
    lng: 'en',
    resources: Object.fromEntries(Object.entries(ALL_LOCALES).map(([k, v]) => [k, { translation: v }])),
    interpolation: { escapeValue: false },
  });
});

const refused = (message: string, reason?: unknown) =>
  new ApiRequestError(409, 'conflict', message, reason === undefined ? undefined : { reason });
const shown = (error: unknown) => renderToStaticMarkup(createElement(TransferError, { error }));

describe('a transfer nobody took', () => {
  it('says the caller hung up when they did, not that the colleague did not pick up', async () => {
    await i18next.changeLanguage('en');
    expect(shown(refused('the caller hung up before your colleague picked up', 'caller-hung-up'))).toBe(
      '<p role="alert" class="error">The caller hung up before your colleague picked up.</p>',
    );
    expect(
      shown(refused('your colleague did not pick up; the caller is back with you', 'not-picked-up')),
    ).toBe('<p role="alert" class="error">Your colleague did not pick up. The caller is back with you.</p>');
  });

  it('has both sentences in every shipped locale, each its own', async () => {
    for (const locale of Object.keys(ALL_LOCALES)) {
      await i18next.changeLanguage(locale);
      const hungUp = shown(refused('x', 'caller-hung-up'));
      const notPickedUp = shown(refused('x', 'not-picked-up'));
      for (const html of [hungUp, notPickedUp]) expect(html, locale).not.toMatch(/calls\.audio|>x</);
      expect(hungUp, locale).not.toBe(notPickedUp);
    }
  });

  it('shows any other refusal, or an unknown reason, as every error is shown', async () => {
    await i18next.changeLanguage('en');
    for (const error of [
      refused('a colleague is already being rung for this call'),
      refused('y', 'constructor'),
    ])
      expect(shown(error)).toContain(error.message);
    expect(shown(null)).toBe('');
  });
});
