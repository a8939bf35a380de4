/**
 * The server refuses a member's interface language it does not know (UI_LOCALE_CODES in
 * packages/protocol, which the web catalog takes its list from); every language on it must be
 * named and translated, or the server would accept a language no client can show.
 */
import { UI_LOCALE_CODES } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { LOCALE_NAMES } from '../src/i18n/locales/catalog.js';
import { SHIPPED } from './locales.js';

describe('interface languages', () => {
  it('each have a name in the web catalog', () => {
    expect(Object.keys(LOCALE_NAMES).sort()).toEqual([...UI_LOCALE_CODES].sort());
  });

  it('each have a translation file, so every language the server accepts can be shown', () => {
    expect(SHIPPED).toEqual([...UI_LOCALE_CODES]);
  });
});
