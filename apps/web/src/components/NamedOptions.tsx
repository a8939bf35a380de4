import type { ReactNode } from 'react';

/**
 * A select's options for things people named (members, ring groups, shifts, devices): a name may
 * be written in another script than the interface, so each option keeps its own direction.
 */
export function NamedOptions({ options }: { options: readonly { value: string; label: ReactNode }[] }) {
  return options.map((o) => (
    <option key={o.value} value={o.value} dir="auto">
      {o.label}
    </option>
  ));
}
