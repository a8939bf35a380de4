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
let device: ReturnType<typeof fakeDevice>;

beforeEach(() => {
  root = { dataset: {} };
  device = fakeDevice(false);
  vi.stubGlobal('document', { documentElement: root });
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
