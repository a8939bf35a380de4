import type { z } from 'zod';

/**
 * A sealed payload's validation issues (a note's, a report's) as one problem per place the form
 * shows it (a field id, or a name for the whole text or object): the first issue of a place
 * wins, and a message that is not one of the form's `known` problems reads as `fallback`.
 */
export function problemsByPlace<Problem extends string>(
  issues: readonly z.core.$ZodIssue[],
  known: readonly Problem[],
  fallback: Problem,
  placeOf: (issue: z.core.$ZodIssue) => string,
): Record<string, Problem> {
  const problems: Record<string, Problem> = {};
  for (const issue of issues) {
    problems[placeOf(issue)] ??= known.includes(issue.message as Problem)
      ? (issue.message as Problem)
      : fallback;
  }
  return problems;
}
