import { existsSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { LOCALE_CODES } from '../apps/web/src/i18n/locales/catalog.js';
import { runAxe, seriousViolations } from './axe.js';
import { expect, test } from './fixtures.js';
import { unexpected } from './helpers.js';
import { type LayoutProblem, layoutProblems } from './layout-check.js';
import {
  chooseLanguage,
  DESKTOP,
  mainScreens,
  openScreen,
  restoreOnPhone,
  seedHotline,
} from './seed-hotline.js';

/**
 * Issue 15: every shipped language on every main screen, on a phone and on a desktop. One
 * hotline is seeded with a little of everything (two volunteers, a shift, an answered call with
 * a note, a text conversation, a report), then an admin's two devices walk every screen in every
 * language and fail on sideways scrolling or cut-off text, naming the screen, the language, the
 * size and the element. In English, Arabic and French the screens are also checked with axe.
 */

/** The languages shipped: those with a base file, as apps/web/src/i18n/locales/merged.ts decides. */
const SHIPPED = LOCALE_CODES.filter((code) =>
  existsSync(new URL(`../apps/web/src/i18n/locales/${code}.json`, import.meta.url)),
);

/**
 * Every language is walked on the phone, where text has the least room. At desktop size the
 * languages whose text runs longest (fr, tl, ru), Arabic (right to left), Chinese (no spaces to
 * break lines at) and English are walked too; the other seven at desktop size would add a third
 * to this test's time for an overflow the phone walk of the same strings would almost surely show.
 */
const DESKTOP_CHECKED = new Set(['en', 'ar', 'fr', 'tl', 'ru', 'zh-Hans']);

/**
 * Checked with axe here: French at both sizes, English and Arabic on the phone (a11y.spec.ts
 * checks them at desktop size). Together: en, ar and one more, at phone and desktop size.
 */
const AXE_CHECKED = new Set(['fr desktop', 'fr phone', 'en phone', 'ar phone']);

/** Serious and critical axe violations on the screen as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  const results = await runAxe(page);
  expect(results.passes.length).toBeGreaterThan(10);
  return seriousViolations(results);
}

test('every language, every main screen, on a phone (and six at desktop size): no sideways scrolling, no cut-off text', async ({
  page: desktop,
  browser,
  hotline,
  consoleErrors,
}) => {
  test.setTimeout(900_000);
  await desktop.setViewportSize(DESKTOP.viewport);
  const seeded = await seedHotline(desktop, browser, hotline, consoleErrors);
  const { context: phoneContext, phone } = await restoreOnPhone(browser, hotline, seeded, consoleErrors);

  const screens = mainScreens(seeded);

  const layout: Record<string, LayoutProblem[]> = {};
  const axe: Record<string, string[]> = {};
  const sizes = [
    ['desktop', desktop],
    ['phone', phone],
  ] as const;
  for (const locale of SHIPPED) {
    await test.step(`${locale}: every screen`, async () => {
      // The two devices walk the language side by side (each check reads only its own page),
      // and both are done before the next language is chosen.
      const walked = sizes.filter(([size]) => size === 'phone' || DESKTOP_CHECKED.has(locale));
      await Promise.all(
        walked.map(async ([size, page]) => {
          await chooseLanguage(page, locale);
          for (const [name, path] of screens) {
            await openScreen(page, path);
            const where = `${locale} ${size} ${name}`;
            const problems = await layoutProblems(page);
            if (problems.length) layout[where] = problems;
            if (AXE_CHECKED.has(`${locale} ${size}`)) {
              const found = await axeViolations(page);
              if (found.length) axe[where] = found;
            }
          }
        }),
      );
    });
  }
  await phoneContext.close();

  expect(layout, 'horizontal overflow or clipped text').toEqual({});
  expect(axe, 'serious or critical axe violations').toEqual({});
  expect(unexpected(consoleErrors)).toEqual([]);
});
