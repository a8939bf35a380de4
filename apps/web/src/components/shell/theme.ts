/**
 * Light or dark colours: the device's own preference (prefers-color-scheme) unless the person
 * picked one in My settings. The choice is kept on this device only (it says nothing about the
 * person, and a wipe clears it with everything else); styles.css reads `data-theme` on <html>.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const STORAGE_KEY = 'llamenos.theme';

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

/** Sets the colours on the page; 'system' leaves them to the media query. */
export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
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
