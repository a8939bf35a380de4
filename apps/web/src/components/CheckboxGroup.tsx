import type { ReactNode } from 'react';
import { UserText } from './UserText.js';

export interface Choice {
  value: string;
  label: ReactNode;
  /** Shown checked and not changeable, e.g. covered by a wildcard. */
  forced?: boolean;
}

/** A multi-select as a fieldset of checkboxes: every option is visible and reachable with Tab and Space. */
export function CheckboxGroup({
  legend,
  choices,
  value,
  onChange,
  className,
}: {
  legend: ReactNode;
  choices: Choice[];
  value: string[];
  onChange: (value: string[]) => void;
  className?: string;
}) {
  const toggle = (choice: string, on: boolean) =>
    onChange(on ? [...value, choice] : value.filter((v) => v !== choice));
  return (
    <fieldset className={className ?? 'checkbox-group'}>
      <legend>{legend}</legend>
      {choices.map((choice) => (
        <label key={choice.value} className="checkbox">
          <input
            type="checkbox"
            value={choice.value}
            checked={choice.forced || value.includes(choice.value)}
            disabled={choice.forced}
            onChange={(e) => toggle(choice.value, e.target.checked)}
          />
          <UserText>{choice.label}</UserText>
        </label>
      ))}
    </fieldset>
  );
}
