import type { LaunchOptions } from '@playwright/test';

/**
 * How the specs launch Debian's Chromium (no browser downloads): its path, and the switches
 * every spec's browser runs with (no sandbox as root, no GPU or QUIC, nothing fetched in the
 * background, /tmp instead of a small /dev/shm). playwright.config.ts uses them for every test;
 * a spec that needs more (a fake microphone) adds its own switches after these.
 */
/** Debian's Chromium, or the one CHROMIUM_PATH names. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumLaunchOptions = (extraArgs: string[] = []): LaunchOptions => ({
  executablePath: chromiumPath,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    ...extraArgs,
  ],
});
