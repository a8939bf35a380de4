/**
 * Light or dark colours: the device's own preference (prefers-color-scheme) unless the person
 * picked one in My settings. The choice is kept on this device only (it says nothing about the
 * person, and a wipe clears it with everything else).
 *
 * <html data-theme> always holds the theme in use, light or dark, so styles.css writes the dark
 * tokens once. For "Same as this device" it follows the media query live (a phone switching to
 * dark at sunset switches the open app too).
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const STORAGE_KEY = 'llamenos.theme';
const DEVICE_DARK = '(prefers-color-scheme: dark)';

const isChoice = (value: unknown): value is ThemeChoice => THEME_CHOICES.includes(value as ThemeChoice);

export function storedTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isChoice(value) ? value : 'system';
  } catch {
    // Storage can be off (private modes, policies): the device's preference still applies.
    return 'system';
  }
}

/** The theme a choice means on a device that does or does not prefer dark. */
export const resolveTheme = (choice: ThemeChoice, deviceDark: boolean): Theme =>
  choice === 'system' ? (deviceDark ? 'dark' : 'light') : choice;

/** Stops following the device when the person picks a theme of their own (one page, one listener). */
let stopFollowingDevice: (() => void) | undefined;

/** Sets the colours on the page; for 'system', now and whenever the device changes its mind. */
export function applyTheme(choice: ThemeChoice): void {
  stopFollowingDevice?.();
  stopFollowingDevice = undefined;
  const root = document.documentElement;
  const device = typeof matchMedia === 'function' ? matchMedia(DEVICE_DARK) : undefined;
  const apply = () => {
    root.dataset.theme = resolveTheme(choice, device?.matches ?? false);
  };
  apply();
  if (choice !== 'system' || !device) return;
  device.addEventListener('change', apply);
  stopFollowingDevice = () => device.removeEventListener('change', apply);
}

export function chooseTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    // Not kept across reloads then, but applied now.
  }
  applyTheme(choice);
}
