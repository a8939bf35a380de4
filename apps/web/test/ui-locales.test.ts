/**
 * The server refuses a member's interface language it does not know (UI_LOCALE_CODES in
 * packages/protocol); the web catalog must ship exactly that list, in the same order, or a
 * member could pick a language their account cannot keep (or the server accept one no client
 * can show).
 */
import { UI_LOCALE_CODES } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { LOCALE_CODES, LOCALE_NAMES } from '../src/i18n/locales/catalog.js';
import { SHIPPED } from './locales.js';

describe('interface languages', () => {
  it('are the same list in the protocol and the web catalog', () => {
    expect([...LOCALE_CODES]).toEqual([...UI_LOCALE_CODES]);
    expect(Object.keys(LOCALE_NAMES).sort()).toEqual([...UI_LOCALE_CODES].sort());
  });

  it('each have a translation file, so every language the server accepts can be shown', () => {
    expect(SHIPPED).toEqual([...UI_LOCALE_CODES]);
  });
});
