import { createRequire } from 'node:module';
import type { Frame, Page } from '@playwright/test';

/**
 * axe-core run inside the page under test, for the specs' accessibility checks.
 *
 * @axe-core/playwright's AxeBuilder splits every check in two: a partial run in each frame, then
 * the results put together in a new blank tab it opens and closes (so that cross-origin frames
 * can be checked; the hotline's screens have no frames), and it evaluates axe's 500 kB source
 * again each time. That cost 1.5–4 s per check on a busy two-core runner, where this costs about
 * a third of a second. The rules and the results are the same: the axe-core AxeBuilder itself
 * ships with, axe.run with the same tags, once per check; axe is injected once per document
 * (in-app navigation keeps the document, so a walk over the screens injects it once).
 */
const requireFromAxeBuilder = createRequire(createRequire(import.meta.url).resolve('@axe-core/playwright'));
const AXE_SOURCE: string = (requireFromAxeBuilder('axe-core') as { source: string }).source;

/** The rule sets the specs check against: WCAG 2.1 A and AA, and axe's best practices. */
export const WCAG21_AND_BEST_PRACTICE = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** One rule's outcome, as much of it as the specs report. */
export interface AxeRuleResult {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: (string | string[])[] }[];
}

export interface AxeResults {
  passes: AxeRuleResult[];
  incomplete: AxeRuleResult[];
  violations: AxeRuleResult[];
}

async function injectAxe(frame: Frame): Promise<void> {
  if (await frame.evaluate(() => 'axe' in window)) return;
  await frame.evaluate(AXE_SOURCE);
}

/**
 * Runs axe on the page as it is now with the rules of `tags`. Only the violations get every
 * node's selector worked out; passes and incomplete keep one node each (axe's resultTypes).
 */
export async function runAxe(page: Page, tags: string[] = WCAG21_AND_BEST_PRACTICE): Promise<AxeResults> {
  // Every frame gets axe, as AxeBuilder does; axe.run waits for the frames' answers.
  await injectAxe(page.mainFrame());
  for (const frame of page.frames()) if (frame !== page.mainFrame()) await injectAxe(frame).catch(() => {});
  return page.evaluate(async (values) => {
    type Rule = {
      id: string;
      impact?: string | null;
      help: string;
      nodes: { target: (string | string[])[] }[];
    };
    type Axe = {
      run: (
        context: Document,
        options: object,
      ) => Promise<{ passes: Rule[]; incomplete: Rule[]; violations: Rule[] }>;
    };
    const axe = (window as unknown as { axe: Axe }).axe;
    const results = await axe.run(document, {
      runOnly: { type: 'tag', values },
      resultTypes: ['violations'],
    });
    // Only what the specs read crosses back (each node's HTML and checks stay in the page).
    const brief = (rules: Rule[]) =>
      rules.map(({ id, impact, help, nodes }) => ({
        id,
        impact,
        help,
        nodes: nodes.map(({ target }) => ({ target })),
      }));
    return {
      passes: brief(results.passes),
      incomplete: brief(results.incomplete),
      violations: brief(results.violations),
    };
  }, tags);
}

/**
 * The serious and critical violations of a run, one line each (rule, impact, help, the first
 * three places): what the specs require to be empty.
 */
export function seriousViolations(results: AxeResults): string[] {
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`,
    );
}

/** Every rule the run looked at, whatever its outcome (a check that skipped colour contrast proves little). */
export const rulesChecked = (results: AxeResults): string[] =>
  [...results.passes, ...results.incomplete, ...results.violations].map((r) => r.id);
