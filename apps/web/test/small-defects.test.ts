/**
 * The small defects a new user found in the web client (issue 15, "Must fix" 6), each held
 * by a test so it cannot come back quietly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  askWhenTakingCalls,
  type CallNotificationPermission,
  shouldOfferNotifications,
} from '../src/lib/calls/notify.js';
import {
  breakCheckboxHelpKey,
  breakSwitchHelpKey,
  dashboardCallStatusKey,
  shiftStatusKey,
} from '../src/lib/calls/status-lines.js';
import { src } from './source-files.js';

type Tree = { [key: string]: string | Tree };
const locale = (l: string) =>
  JSON.parse(readFileSync(path.join(src, 'i18n', 'locales', `${l}.json`), 'utf8')) as Tree;
const strings = (tree: Tree): string[] =>
  Object.values(tree).flatMap((v) => (typeof v === 'string' ? [v] : strings(v)));
const english = locale('en');
/** The English sentence of a key (the test fails on a key that does not exist). */
function en(key: string): string {
  const value = key.split('.').reduce<Tree | string | undefined>((t, part) => (t as Tree)?.[part], english);
  if (typeof value !== 'string') throw new Error(`no English text for ${key}`);
  return value;
}

describe('status lines follow the state', () => {
  it('the "Taking calls" help says how to come back from a break, and how to take one otherwise', () => {
    expect(en(breakSwitchHelpKey(true))).not.toMatch(/take a break/);
    expect(en(breakSwitchHelpKey(true))).toMatch(/ready to take calls/);
    expect(en(breakSwitchHelpKey(false))).toMatch(/take a break/);
  });

  it('the "I am on a break" help follows the checkbox', () => {
    expect(en(breakCheckboxHelpKey(true))).toMatch(/^Untick this when/);
    expect(en(breakCheckboxHelpKey(false))).toMatch(/^Tick this to take a break/);
  });

  it('"on shift now" says so when the member is on a break', () => {
    expect(shiftStatusKey(undefined, false)).toBeNull();
    expect(en(shiftStatusKey({ includesMe: false }, true) ?? '')).toBe('You are not on shift now.');
    // The Playwright journeys read this exact sentence.
    expect(en(shiftStatusKey({ includesMe: true }, false) ?? '')).toBe('You are on shift now.');
    expect(en(shiftStatusKey({ includesMe: true }, true) ?? '')).toMatch(/on a break/);
  });

  it('the dashboard tells no one who takes no calls that they are available for calls', () => {
    expect(dashboardCallStatusKey({ onBreak: false }, false, false)).toBeNull();
    // With the shift panel the panel says it; without it, one line.
    expect(dashboardCallStatusKey({ onBreak: false }, true, true)).toBeNull();
    expect(en(dashboardCallStatusKey({ onBreak: true }, true, false) ?? '')).toMatch(/on a break/);
    expect(en(dashboardCallStatusKey({ onBreak: false }, true, false) ?? '')).toMatch(/available/);
  });
});

describe('notification permission', () => {
  const asker = (permission: CallNotificationPermission, dismissed = false) => {
    const request = vi.fn(async () => 'granted' as const);
    return { asker: { permission: () => permission, dismissed: () => dismissed, request }, request };
  };

  it('is offered only while the browser would still ask, and not after "Not now"', () => {
    expect(shouldOfferNotifications('default', false)).toBe(true);
    expect(shouldOfferNotifications('default', true)).toBe(false);
    expect(shouldOfferNotifications('denied', false)).toBe(false);
    expect(shouldOfferNotifications('granted', false)).toBe(false);
    expect(shouldOfferNotifications('unsupported', false)).toBe(false);
  });

  it('is asked when the member turns calls on, never again once denied or dismissed', async () => {
    const fresh = asker('default');
    await askWhenTakingCalls(fresh.asker);
    expect(fresh.request).toHaveBeenCalledTimes(1);
    for (const [permission, dismissed] of [
      ['denied', false],
      ['granted', false],
      ['default', true],
    ] as const) {
      const other = asker(permission, dismissed);
      await askWhenTakingCalls(other.asker);
      expect(other.request, `${permission} ${dismissed}`).not.toHaveBeenCalled();
    }
  });

  it('is never asked while a call rings: the ringing card has no permission request', () => {
    const card = readFileSync(path.join(src, 'components', 'IncomingCallCard.tsx'), 'utf8');
    expect(card).not.toMatch(/requestNotificationPermission|requestPermission/);
  });
});

describe('Spanish wording', () => {
  it('uses one word for settings ("Configuración", never "Ajustes")', () => {
    const es = strings(locale('es'));
    expect(es.filter((s) => /\bajustes?\b/i.test(s))).toEqual([]);
    expect(es.some((s) => s.includes('Configuración'))).toBe(true);
  });
});
