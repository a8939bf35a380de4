import type { ComponentProps } from 'react';

/**
 * A whole number a form requires (days, hours, a count): the browser refuses fractions and an
 * empty box, and phones show the numeric keypad. Bounds, value and label wiring come from the caller.
 */
export function WholeNumberInput(
  props: Omit<ComponentProps<'input'>, 'type' | 'inputMode' | 'step' | 'required'>,
) {
  return <input type="number" inputMode="numeric" step={1} required {...props} />;
}
