import type { MouseEvent, ReactNode } from 'react';
import { navigate } from '../app/router.js';

/**
 * A real link (so middle-click, "open in new tab" and the keyboard all work) whose plain
 * left click is handled in the page instead of reloading it.
 */
export function NavLink({
  href,
  current,
  className,
  children,
}: {
  href: string;
  current?: boolean;
  className?: string;
  children: ReactNode;
}) {
  function onClick(event: MouseEvent<HTMLAnchorElement>) {
    const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
    if (event.defaultPrevented || event.button !== 0 || modified) return;
    event.preventDefault();
    navigate(href);
  }
  return (
    <a href={href} className={className} aria-current={current ? 'page' : undefined} onClick={onClick}>
      {children}
    </a>
  );
}
