/**
 * The theme on <html data-theme> is always the one in use (styles.css has one dark block):
 * the person's choice, or the device's preference followed live while they chose the device.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyTheme, resolveTheme } from '../src/components/shell/theme.js';

/** A stand-in for the device's prefers-color-scheme query that can change its mind. */
function fakeDevice(dark: boolean) {
  const listeners = new Set<() => void>();
  const media = {
    matches: dark,
    addEventListener: (_: 'change', listener: () => void) => listeners.add(listener),
    removeEventListener: (_: 'change', listener: () => void) => listeners.delete(listener),
  };
  return {
    media,
    listeners,
    turn(toDark: boolean) {
      media.matches = toDark;
      for (const listener of listeners) listener();
    },
  };
}

let root: { dataset: Record<string, string | undefined> };
let darkStyles: { media: string };
let device: ReturnType<typeof fakeDevice>;

beforeEach(() => {
  root = { dataset: {} };
  device = fakeDevice(false);
  darkStyles = { media: '(prefers-color-scheme: dark)' };
  vi.stubGlobal('document', {
    documentElement: root,
    getElementById: (id: string) => (id === 'dark-theme' ? darkStyles : null),
  });
  vi.stubGlobal('matchMedia', (query: string) => {
    expect(query).toBe('(prefers-color-scheme: dark)');
    return device.media;
  });
});
afterEach(() => {
  applyTheme('light'); // drops any device listener before the next test's fakes
  vi.unstubAllGlobals();
});

describe('the theme on <html>', () => {
  it('resolves a choice against the device', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('applies the dark stylesheet for a chosen dark theme, never for light, and with the device otherwise', () => {
    applyTheme('dark');
    expect(darkStyles.media).toBe('all');
    applyTheme('light');
    expect(darkStyles.media).toBe('not all');
    applyTheme('system');
    expect(darkStyles.media).toBe('(prefers-color-scheme: dark)');
  });

  it('is the device theme for "same as this device", and follows the device when it changes', () => {
    applyTheme('system');
    expect(root.dataset.theme).toBe('light');
    device.turn(true);
    expect(root.dataset.theme).toBe('dark');
    device.turn(false);
    expect(root.dataset.theme).toBe('light');
  });

  it("stays on the person's choice whatever the device does, and stops listening to it", () => {
    applyTheme('system');
    applyTheme('dark');
    expect(root.dataset.theme).toBe('dark');
    expect(device.listeners.size).toBe(0);
    device.turn(false);
    expect(root.dataset.theme).toBe('dark');
    applyTheme('system');
    applyTheme('system');
    expect(device.listeners.size).toBe(1);
    expect(root.dataset.theme).toBe('light');
  });
});
