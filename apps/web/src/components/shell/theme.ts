/**
 * Light or dark colours: the device's own preference (prefers-color-scheme) unless the person
 * picked one in My settings. The choice is kept on this device only (it says nothing about the
 * person, and a wipe clears it with everything else).
 *
 * The dark values are one stylesheet (public/theme-dark.css) that index.html links with the
 * device's media query, so the browser follows the device itself, at once and before any script
 * runs. A chosen theme sets that link's media to "all" (dark) or "not all" (light). <html
 * data-theme> always says the theme in use, light or dark, for code that draws in the theme's
 * colours (charts); for "Same as this device" it follows the media query live.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const STORAGE_KEY = 'llamenos.theme';
const DEVICE_DARK = '(prefers-color-scheme: dark)';
/** The <link> of the dark stylesheet in index.html. */
const DARK_STYLES_ID = 'dark-theme';

/** When the dark stylesheet applies for a choice: a media query for the link's media attribute. */
export const darkStylesMedia = (choice: ThemeChoice): string =>
  choice === 'system' ? DEVICE_DARK : choice === 'dark' ? 'all' : 'not all';

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
  const darkStyles = document.getElementById(DARK_STYLES_ID) as HTMLLinkElement | null;
  if (darkStyles) darkStyles.media = darkStylesMedia(choice);
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
