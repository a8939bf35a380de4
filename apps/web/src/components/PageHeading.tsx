import { type ReactNode, useEffect, useRef } from 'react';

// The first screen after a load keeps the browser's default focus; every later screen moves
// focus to its heading so screen-reader and keyboard users learn that the page changed.
let firstScreen = true;

export function PageHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!firstScreen) ref.current?.focus();
    firstScreen = false;
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** A screen of the app: its section, headed by the page's heading, then what it shows. */
export function Page({ title, children }: { title: ReactNode; children: ReactNode }) {
  return (
    <section>
      <PageHeading>{title}</PageHeading>
      {children}
    </section>
  );
}
