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

/**
 * A WholeNumberInput with its label, and the hint under it (`<id>-hint`, read with the input)
 * where one is given; the value as typed, so an unfinished number stays in the box.
 */
export function WholeNumberField({
  id,
  caption,
  hint,
  min,
  max,
  value,
  onChange,
}: {
  id: string;
  /** The input's translated name. */
  caption: string;
  hint?: string;
  min: number;
  max: number;
  value: string;
  onChange: (value: string) => void;
}) {
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <>
      <label htmlFor={id}>{caption}</label>
      <WholeNumberInput
        id={id}
        min={min}
        max={max}
        aria-describedby={hintId}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </>
  );
}
