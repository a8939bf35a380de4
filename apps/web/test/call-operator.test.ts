/**
 * The operator features the call queue makes possible (issue 12): the status line of a member
 * on a call, "taken by <name>" on the card of a call someone else answered, and the links
 * between a call and its notes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  breakStateKey,
  dashboardCallStatusKey,
  ON_A_CALL_KEY,
  shiftStatusKey,
} from '../src/lib/calls/status-lines.js';
import { src } from './source-files.js';

type Tree = { [key: string]: string | Tree };
const english = JSON.parse(readFileSync(path.join(src, 'i18n', 'locales', 'en.json'), 'utf8')) as Tree;
function en(key: string): string {
  const value = key.split('.').reduce<Tree | string | undefined>((t, part) => (t as Tree)?.[part], english);
  if (typeof value !== 'string') throw new Error(`no English text for ${key}`);
  return value;
}

describe('the status line of a member on a call', () => {
  it('says "on a call" on the shift panel, whatever the shift or break', () => {
    for (const shift of [undefined, { includesMe: true }, { includesMe: false }])
      for (const onBreak of [false, true])
        expect(en(shiftStatusKey(shift, onBreak, true) ?? '')).toMatch(/on a call/);
    expect(en(shiftStatusKey({ includesMe: true }, false, false) ?? '')).toBe('You are on shift now.');
  });

  it('says "on a call" on the dashboard line, never "available" or "on a break"', () => {
    for (const onBreak of [false, true]) {
      const key = dashboardCallStatusKey({ onBreak }, true, false, true);
      expect(key).toBe(ON_A_CALL_KEY);
      expect(en(key ?? '')).not.toMatch(/available|break/i);
    }
    // Someone who takes no calls still gets no line.
    expect(dashboardCallStatusKey({ onBreak: false }, false, false, true)).toBeNull();
  });

  it('the state beside the switch says "On a call" instead of "Available"', () => {
    expect(en(breakStateKey(false, true))).toBe('On a call');
    expect(en(breakStateKey(true, true))).toBe('On a call');
    expect(en(breakStateKey(false, false))).toBe(en('calls.available'));
    expect(en(breakStateKey(true, false))).toBe(en('calls.onBreak'));
  });
});
