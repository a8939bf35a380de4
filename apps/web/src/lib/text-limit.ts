/**
 * The live counter beside a text field with a limit. It stays out of the way until the text is
 * near the limit (80 %), then shows what is left. Screen readers hear it only when the text
 * crosses a threshold (near, at, over the limit), never on every keystroke: the sentence read
 * out names the limit, not the count, so it does not change while typing within one level.
 * Lengths are UTF-16 code units, as the checks (zod's max, the input's maxLength) count them.
 */

/** The share of the limit from which the counter is shown. */
export const COUNTER_FROM = 0.8;

export type LimitLevel = 'quiet' | 'near' | 'at' | 'over';

export interface CounterState {
  level: LimitLevel;
  /** Characters left (negative when over). */
  remaining: number;
}

export function counterState(length: number, max: number): CounterState {
  const remaining = max - length;
  const level: LimitLevel =
    remaining < 0 ? 'over' : remaining === 0 ? 'at' : length >= max * COUNTER_FROM ? 'near' : 'quiet';
  return { level, remaining };
}
