import type { FormEvent, ReactNode } from 'react';

/**
 * A titled part of a page, named by its heading for screen readers (a landmark region or a
 * form). Given onSubmit it is the form itself, so the heading names the form.
 */
export function Panel({
  id,
  title,
  onSubmit,
  className,
  children,
}: {
  /** The heading's id; the panel is labelled by it. */
  id: string;
  title: ReactNode;
  onSubmit?: (event: FormEvent<HTMLFormElement>) => void;
  className?: string;
  children: ReactNode;
}) {
  const classes = className ? `panel ${className}` : 'panel';
  const heading = <h2 id={id}>{title}</h2>;
  return onSubmit ? (
    <form onSubmit={onSubmit} className={classes} aria-labelledby={id}>
      {heading}
      {children}
    </form>
  ) : (
    <section className={classes} aria-labelledby={id}>
      {heading}
      {children}
    </section>
  );
}
