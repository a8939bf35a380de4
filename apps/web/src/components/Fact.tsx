import type { ComponentPropsWithoutRef, ReactNode } from 'react';

/**
 * One fact in a record's list of facts (a <dl>): its name and its value, wrapped together so the
 * list's grid keeps each pair on one row. Attributes go to the value (`dir`, a class, a test id).
 */
export function Fact({
  term,
  children,
  ...value
}: { term: ReactNode; children: ReactNode } & ComponentPropsWithoutRef<'dd'>) {
  return (
    <div>
      <dt>{term}</dt>
      <dd {...value}>{children}</dd>
    </div>
  );
}
